"""One throughput measurement of a Python HTTP client against the benchmark
server (bench/server), as bench/cmd/client does for the Go clients: log in
(the server sets a session cookie), warm up, then send keep-alive GETs for a
fixed time from 1 or more threads sharing one client, and print one JSON
line. Every response must be a 200.

    client.py requests|httpx BASE_URL CONC SECONDS WARMUP_SECONDS [PATH]
"""

import json
import sys
import threading
import time


def make(name):
    if name == "requests":
        import requests

        s = requests.Session()
        s.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=16))
        return s
    if name == "httpx":
        import httpx

        return httpx.Client(limits=httpx.Limits(max_keepalive_connections=16))
    raise SystemExit("unknown client " + name)


def main():
    name, base, conc, secs, warm = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
    path = sys.argv[6] if len(sys.argv) > 6 else "/api/items"
    c = make(name)
    r = c.get(base + "/login")
    if r.status_code != 204:
        raise SystemExit("login: status %d" % r.status_code)
    url = base + path
    errors = []

    def loop(deadline, counts, i):
        n = 0
        while time.perf_counter() < deadline:
            r = c.get(url)
            r.content
            if r.status_code != 200:
                errors.append("status %d" % r.status_code)
                return
            n += 1
        counts[i] = n

    def run(d):
        counts = [0] * conc
        deadline = time.perf_counter() + d
        ts = [threading.Thread(target=loop, args=(deadline, counts, i)) for i in range(conc)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        if errors:
            raise SystemExit(errors[0])
        return sum(counts)

    run(warm)
    cpu0, start = time.process_time(), time.perf_counter()
    n = run(secs)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu0
    print(json.dumps({"client": name, "conc": conc, "requests": n, "seconds": elapsed, "rps": n / elapsed,
                      "cpu_us_per_req": 1e6 * cpu / n}))


if __name__ == "__main__":
    main()
