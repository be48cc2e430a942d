<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="csrf-token" content="{{ csrf_token() }}">
<title>Protected page | limpet Laravel fixture</title>
</head>
<body>
<h1>Hello {{ $user->email }}</h1>
<form method="POST" action="/api/count?key=page">
    @csrf
    <input type="text" name="note" value="">
    <button type="submit">Count</button>
</form>
<form method="POST" action="/logout">@csrf<button type="submit">Log out</button></form>
</body>
</html>
