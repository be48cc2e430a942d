<?php
namespace App\Http\Controllers;

use App\Support\Counters;
use Illuminate\Foundation\Application;

class TestController extends Controller
{
    public function info()
    {
        return response()->json([
            'app' => 'laravel',
            'instance' => (string) getenv('LIMPET_FW_INSTANCE'),
            'versions' => ['laravel' => Application::VERSION, 'php' => PHP_VERSION],
        ]);
    }

    public function counters()
    {
        return response(Counters::snapshot(), 200, ['Content-Type' => 'application/json']);
    }

    public function expireAll()
    {
        $n = 0;
        foreach (glob(config('session.files').'/*') ?: [] as $file) {
            if (is_file($file) && @unlink($file)) {
                $n++;
            }
        }

        return response()->json(['expired' => $n]);
    }
}
