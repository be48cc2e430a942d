<?php
// Creates the application: Debian's Laravel framework (php-laravel-framework, autoloaded from /usr/share/php), the
// fixture's classes (App\, autoloaded from app/), and every file Laravel writes (sessions, compiled views, the
// service manifests, the database, the counters) in the state directory that start.sh passes as LIMPET_FW_STATE.

require_once 'Illuminate/autoload.php';

spl_autoload_register(function ($class) {
    if (strncmp($class, 'App\\', 4) === 0) {
        $file = __DIR__.'/../app/'.str_replace('\\', '/', substr($class, 4)).'.php';
        if (is_file($file)) {
            require $file;
        }
    }
});

$state = getenv('LIMPET_FW_STATE');
if ($state === false || $state === '') {
    fwrite(STDERR, "LIMPET_FW_STATE is not set; start the fixture with interop/frameworks/start.sh\n");
    exit(1);
}
foreach (['SERVICES' => 'services', 'PACKAGES' => 'packages', 'CONFIG' => 'config', 'ROUTES' => 'routes', 'EVENTS' => 'events'] as $key => $name) {
    $_ENV["APP_{$key}_CACHE"] = $_SERVER["APP_{$key}_CACHE"] = "$state/cache-$name.php";
}

$app = new Illuminate\Foundation\Application(dirname(__DIR__));
$app->useStoragePath($state);

$app->singleton(Illuminate\Contracts\Http\Kernel::class, App\Http\Kernel::class);
$app->singleton(Illuminate\Contracts\Console\Kernel::class, Illuminate\Foundation\Console\Kernel::class);
$app->singleton(Illuminate\Contracts\Debug\ExceptionHandler::class, App\Exceptions\Handler::class);

return $app;
