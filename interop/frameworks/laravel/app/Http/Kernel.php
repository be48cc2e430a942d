<?php
namespace App\Http;

use Illuminate\Foundation\Http\Kernel as HttpKernel;

// The middleware of a new Laravel 8 application, less what the fixture does not use (CORS, maintenance mode,
// trusted proxies, API throttling).
class Kernel extends HttpKernel
{
    protected $middleware = [
        \App\Http\Middleware\LoginPostCounter::class,
        \Illuminate\Foundation\Http\Middleware\ValidatePostSize::class,
        \Illuminate\Foundation\Http\Middleware\ConvertEmptyStringsToNull::class,
    ];

    protected $middlewareGroups = [
        'web' => [
            \App\Http\Middleware\EncryptCookies::class,
            \Illuminate\Cookie\Middleware\AddQueuedCookiesToResponse::class,
            \Illuminate\Session\Middleware\StartSession::class,
            \Illuminate\View\Middleware\ShareErrorsFromSession::class,
            \App\Http\Middleware\VerifyCsrfToken::class,
            \Illuminate\Routing\Middleware\SubstituteBindings::class,
        ],
        'test' => [
            \App\Http\Middleware\LoopbackOnly::class,
        ],
    ];

    protected $routeMiddleware = [
        'auth' => \App\Http\Middleware\Authenticate::class,
        'guest' => \App\Http\Middleware\RedirectIfAuthenticated::class,
    ];
}
