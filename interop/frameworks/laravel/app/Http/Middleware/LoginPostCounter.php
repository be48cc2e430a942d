<?php
namespace App\Http\Middleware;

use App\Support\Counters;
use Closure;
use Illuminate\Http\Request;

// Counts every POST to the login page before the session and CSRF middleware can refuse it.
class LoginPostCounter
{
    public function handle(Request $request, Closure $next)
    {
        if ($request->isMethod('POST') && $request->path() === 'login') {
            $email = $request->input('email');
            Counters::add('login_posts', is_string($email) ? $email : '');
        }

        return $next($request);
    }
}
