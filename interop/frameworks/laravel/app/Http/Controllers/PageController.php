<?php
namespace App\Http\Controllers;

use App\Support\Counters;
use Illuminate\Http\Request;

class PageController extends Controller
{
    public function page(Request $request)
    {
        return view('page', ['user' => $request->user()]);
    }

    public function me(Request $request)
    {
        return response()->json(['user' => $request->user()->email]);
    }

    public function count(Request $request)
    {
        // VerifyCsrfToken has checked the token (field _token, header X-CSRF-TOKEN or X-XSRF-TOKEN) before this runs.
        $key = (string) $request->query('key', '');
        $n = Counters::add('counts', $key);

        return response()->json(['key' => $key, 'count' => $n, 'user' => $request->user()->email, 'body' => (object) $request->post()]);
    }
}
