<?php
// Run by start.sh before the server: makes the state directory's application key, the SQLite database with the
// users of testdata/users.txt (passwords hashed by Laravel's bcrypt hasher), and empty counters.

$app = require __DIR__.'/app.php';
$app->make(Illuminate\Contracts\Console\Kernel::class)->bootstrap();

$state = getenv('LIMPET_FW_STATE');
file_put_contents("$state/app.key", 'base64:'.base64_encode(random_bytes(32)));
touch("$state/db.sqlite");
// The configuration was read before the key existed: read it again with the key.
$app['config']->set('app.key', trim(file_get_contents("$state/app.key")));

$schema = $app['db']->connection()->getSchemaBuilder();
$schema->dropIfExists('users');
$schema->create('users', function ($table) {
    $table->id();
    $table->string('name');
    $table->string('email')->unique();
    $table->string('password');
    $table->rememberToken();
    $table->timestamps();
});
foreach (file(getenv('LIMPET_FW_USERS'), FILE_IGNORE_NEW_LINES) as $line) {
    if (trim($line) === '' || $line[0] === '#') {
        continue;
    }
    [$name, $email, $password] = explode(' ', $line, 3);
    App\Models\User::create(['name' => $name, 'email' => $email, 'password' => $app['hash']->make($password)]);
}
App\Support\Counters::reset();
