<?php
use App\Http\Controllers\LoginController;
use App\Http\Controllers\PageController;
use Illuminate\Support\Facades\Route;

Route::get('/login', [LoginController::class, 'show'])->name('login')->middleware('guest');
Route::post('/login', [LoginController::class, 'authenticate'])->middleware('guest');
Route::post('/logout', [LoginController::class, 'logout'])->name('logout');

Route::middleware('auth')->group(function () {
    Route::get('/', [PageController::class, 'page']);
    Route::get('/page', [PageController::class, 'page'])->name('page');
    Route::get('/api/me', [PageController::class, 'me']);
    Route::post('/api/count', [PageController::class, 'count']);
});
