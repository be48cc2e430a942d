<?php
// The test-only endpoints of interop/frameworks/README.md: no session, no CSRF token, loopback clients only.
use App\Http\Controllers\TestController;
use Illuminate\Support\Facades\Route;

Route::get('/test/info', [TestController::class, 'info']);
Route::get('/test/counters', [TestController::class, 'counters']);
Route::post('/test/expire-all', [TestController::class, 'expireAll']);
