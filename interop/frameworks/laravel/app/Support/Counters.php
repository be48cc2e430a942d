<?php
namespace App\Support;

// Counters of the test-only contract. PHP's built-in server runs several worker processes and keeps nothing
// between requests, so they live in a JSON file of the state directory, updated under an exclusive lock.
class Counters
{
    const NAMES = ['counts', 'login_posts', 'logins_ok', 'logins_failed'];

    private static function path(): string
    {
        return getenv('LIMPET_FW_STATE').'/counters.json';
    }

    private static function empty(): array
    {
        return array_fill_keys(self::NAMES, new \stdClass());
    }

    public static function reset(): void
    {
        file_put_contents(self::path(), json_encode(self::empty()));
    }

    public static function add(string $name, string $key): int
    {
        $f = fopen(self::path(), 'c+');
        flock($f, LOCK_EX);
        $data = json_decode(stream_get_contents($f) ?: '{}', true) ?: [];
        $data += array_fill_keys(self::NAMES, []);
        $n = ($data[$name][$key] ?? 0) + 1;
        $data[$name][$key] = $n;
        foreach (self::NAMES as $k) {
            $data[$k] = (object) $data[$k];
        }
        ftruncate($f, 0);
        rewind($f);
        fwrite($f, json_encode($data));
        fflush($f);
        flock($f, LOCK_UN);
        fclose($f);

        return $n;
    }

    public static function snapshot(): string
    {
        $f = fopen(self::path(), 'r');
        flock($f, LOCK_SH);
        $data = stream_get_contents($f);
        flock($f, LOCK_UN);
        fclose($f);

        return $data;
    }
}
