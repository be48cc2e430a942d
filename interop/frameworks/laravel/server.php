<?php
// Router of PHP's built-in server (php -S ... server.php), as Laravel's own server.php: files under public/ are
// served as they are, everything else goes to public/index.php.
$uri = urldecode(parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH) ?? '/');
if ($uri !== '/' && file_exists(__DIR__.'/public'.$uri)) {
    return false;
}
require_once __DIR__.'/public/index.php';
