<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="csrf-token" content="{{ csrf_token() }}">
<title>Log in | limpet Laravel fixture</title>
</head>
<body>
<h1>Log in</h1>
@error('email')<p class="error">{{ $message }}</p>@enderror
<form method="POST" action="/login">
    @csrf
    <p><label for="email">Email</label> <input id="email" type="email" name="email" value="{{ old('email') }}" autocomplete="username" required autofocus></p>
    <p><label for="password">Password</label> <input id="password" type="password" name="password" autocomplete="current-password" required></p>
    <p><button type="submit">Log in</button></p>
</form>
</body>
</html>
