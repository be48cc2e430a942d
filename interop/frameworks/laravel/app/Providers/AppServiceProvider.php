<?php
namespace App\Providers;

use App\Support\Counters;
use Illuminate\Auth\Events\Failed;
use Illuminate\Auth\Events\Login;
use Illuminate\Support\Facades\Event;
use Illuminate\Support\ServiceProvider;

class AppServiceProvider extends ServiceProvider
{
    public function boot()
    {
        $router = $this->app['router'];
        $router->middleware('web')->group(base_path('routes/web.php'));
        $router->middleware('test')->group(base_path('routes/test.php'));
        // As Laravel's RouteServiceProvider: names given after a route was added (->name('login')) are found once the
        // lookups are refreshed.
        $this->app->booted(function () use ($router) {
            $router->getRoutes()->refreshNameLookups();
            $router->getRoutes()->refreshActionLookups();
        });

        Event::listen(Login::class, function (Login $event) {
            Counters::add('logins_ok', $event->user->email);
        });
        Event::listen(Failed::class, function (Failed $event) {
            Counters::add('logins_failed', (string) ($event->credentials['email'] ?? ''));
        });
    }
}
