<?php
namespace App\Http\Middleware;

use Closure;
use Illuminate\Http\Request;

class LoopbackOnly
{
    public function handle(Request $request, Closure $next)
    {
        $ip = (string) $request->ip();
        if ($ip !== '::1' && strncmp($ip, '127.', 4) !== 0) {
            abort(403);
        }

        return $next($request);
    }
}
