"use strict";
// The parts the two Express fixtures share: users, counters, sessions (express-session's MemoryStore), the login
// routes, the protected page and API, and the test-only endpoints of interop/frameworks/README.md. Each fixture
// passes its CSRF protection: csrf-sync (sync.js) or csrf-csrf (doublesubmit.js).

const crypto = require("node:crypto");
const fs = require("node:fs");
const express = require("express");
const session = require("express-session");

function env(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`${name} is not set; start the fixture with interop/frameworks/start.sh`);
    process.exit(1);
  }
  return value;
}

function hash(password, salt) {
  // PBKDF2 with few iterations: a login costs milliseconds on a small machine.
  return crypto.pbkdf2Sync(password, salt, 1000, 32, "sha256");
}

function readUsers(path) {
  const users = new Map();
  for (const line of fs.readFileSync(path, "utf8").split("\n")) {
    if (line.trim() === "" || line.startsWith("#")) continue;
    const [name, email, ...rest] = line.split(" ");
    const salt = crypto.randomBytes(16);
    users.set(name, { name, email, salt, hash: hash(rest.join(" "), salt) });
  }
  return users;
}

function checkPassword(users, name, password) {
  const user = users.get(typeof name === "string" ? name : "");
  if (!user || typeof password !== "string") return null;
  return crypto.timingSafeEqual(hash(password, user.salt), user.hash) ? user : null;
}

class Counters {
  constructor() {
    this.data = { counts: {}, login_posts: {}, logins_ok: {}, logins_failed: {} };
  }
  add(name, key) {
    const m = this.data[name];
    const k = typeof key === "string" ? key : "";
    m[k] = (m[k] || 0) + 1;
    return m[k];
  }
}

function escapeHTML(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

function safeNext(target) {
  return typeof target === "string" && target.startsWith("/") && !target.startsWith("//") ? target : "/page";
}

function loopback(addr) {
  return addr === "::1" || addr === "::ffff:127.0.0.1" || (addr || "").startsWith("127.");
}

// buildApp returns the fixture. opts:
//   name          "express-sync" or "express-csrf"
//   versions      package versions for /test/info
//   csrf          the CSRF middleware (refuses unsafe methods without the token)
//   token(req,res) the token to put in forms and the meta tag
//   wrongPassword "redirect" (302 back to /login, as Passport's failureRedirect) or "401" (the form again, 401)
//   saveUninitialized  express-session's option (csrf-csrf binds tokens to the session id: it must persist)
function buildApp(opts) {
  const users = readUsers(env("LIMPET_FW_USERS"));
  const counters = new Counters();
  const store = new session.MemoryStore();
  const app = express();
  app.set("env", "production");
  app.set("x-powered-by", false);

  // Test-only endpoints: before the session and the CSRF check, loopback clients only.
  const testOnly = express.Router();
  testOnly.use((req, res, next) => (loopback(req.socket.remoteAddress) ? next() : res.status(403).end()));
  testOnly.get("/info", (req, res) =>
    res.json({ app: opts.name, instance: process.env.LIMPET_FW_INSTANCE || "", versions: opts.versions }),
  );
  testOnly.get("/counters", (req, res) => res.json(counters.data));
  testOnly.post("/expire-all", (req, res, next) =>
    store.length((err, n) => {
      if (err) return next(err);
      store.clear((err2) => (err2 ? next(err2) : res.json({ expired: n })));
    }),
  );
  app.use("/test", testOnly);

  app.use(express.urlencoded({ extended: false }));
  app.use(express.json());
  // Counts every login POST before the CSRF check can refuse it.
  app.use((req, res, next) => {
    if (req.method === "POST" && req.path === "/login") counters.add("login_posts", req.body && req.body.username);
    next();
  });
  app.use(
    session({
      store,
      secret: crypto.randomBytes(32).toString("hex"),
      resave: false,
      saveUninitialized: !!opts.saveUninitialized,
      cookie: { httpOnly: true, sameSite: "lax" },
    }),
  );
  for (const mw of [].concat(opts.csrf)) app.use(mw);

  const loginPage = (req, res, status, error) => {
    const token = opts.token(req, res);
    const action = "/login" + (req.query.next ? "?next=" + encodeURIComponent(safeNext(req.query.next)) : "");
    res.status(status).type("html").send(`<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="csrf-token" content="${escapeHTML(token)}"><title>Log in | limpet ${opts.name} fixture</title></head>
<body>
<h1>Log in</h1>
${error ? `<p class="error">${escapeHTML(error)}</p>` : ""}
<form action="${escapeHTML(action)}" method="post">
  <input type="hidden" name="_csrf" value="${escapeHTML(token)}">
  <p><label for="username">Username</label> <input id="username" name="username" autocomplete="username" required></p>
  <p><label for="password">Password</label> <input id="password" type="password" name="password" autocomplete="current-password" required></p>
  <p><button type="submit">Log in</button></p>
</form>
</body>
</html>
`);
  };

  app.get("/login", (req, res) => loginPage(req, res, 200, req.query.error ? "Invalid username or password." : ""));
  app.post("/login", (req, res, next) => {
    const user = checkPassword(users, req.body.username, req.body.password);
    if (!user) {
      counters.add("logins_failed", req.body.username);
      if (opts.wrongPassword === "redirect") {
        const next = req.query.next ? "&next=" + encodeURIComponent(safeNext(req.query.next)) : "";
        return res.redirect(302, "/login?error=1" + next);
      }
      return loginPage(req, res, 401, "Invalid username or password.");
    }
    // A new session at login (express-session's documented pattern against session fixation): new connect.sid,
    // and with it a new CSRF token.
    req.session.regenerate((err) => {
      if (err) return next(err);
      req.session.user = user.name;
      req.session.save((err2) => {
        if (err2) return next(err2);
        counters.add("logins_ok", user.name);
        res.redirect(302, safeNext(req.query.next));
      });
    });
  });
  app.post("/logout", (req, res, next) => req.session.destroy((err) => (err ? next(err) : res.redirect(302, "/login"))));

  const pageAuth = (req, res, next) =>
    req.session.user ? next() : res.redirect(302, "/login?next=" + encodeURIComponent(req.originalUrl));
  const apiAuth = (req, res, next) => (req.session.user ? next() : res.status(401).json({ error: "not logged in" }));

  app.get("/page", pageAuth, (req, res) => {
    const token = opts.token(req, res);
    res.type("html").send(`<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="csrf-token" content="${escapeHTML(token)}"><title>Protected page | limpet ${opts.name} fixture</title></head>
<body>
<h1>Hello ${escapeHTML(req.session.user)}</h1>
<form action="/api/count?key=page" method="post">
  <input type="hidden" name="_csrf" value="${escapeHTML(token)}">
  <input type="text" name="note" value="">
  <button type="submit">Count</button>
</form>
<form action="/logout" method="post"><input type="hidden" name="_csrf" value="${escapeHTML(token)}"><button type="submit">Log out</button></form>
</body>
</html>
`);
  });
  app.get("/api/me", apiAuth, (req, res) => res.json({ user: req.session.user }));
  app.get("/api/csrf", apiAuth, (req, res) => res.json({ token: opts.token(req, res) }));
  app.post("/api/count", apiAuth, (req, res) => {
    const key = typeof req.query.key === "string" ? req.query.key : "";
    res.json({ key, count: counters.add("counts", key), user: req.session.user, body: req.body || {} });
  });

  // Errors: the CSRF refusal (403 from either library) and anything else, without a stack trace.
  app.use((err, req, res, next) => {
    const status = err.status || err.statusCode || 500;
    if (status >= 500) console.error(err);
    res.status(status).type("text").send(status === 403 ? "invalid csrf token\n" : (err.message || "error") + "\n");
  });
  return app;
}

function listen(app) {
  const server = app.listen(Number(env("LIMPET_FW_PORT")), "127.0.0.1", () =>
    console.log(`listening on http://127.0.0.1:${server.address().port}`),
  );
  server.on("error", (err) => {
    console.error(err.code === "EADDRINUSE" ? "address already in use" : err);
    process.exit(1);
  });
  for (const sig of ["SIGTERM", "SIGINT"]) process.on(sig, () => process.exit(0));
}

function versions(names) {
  const out = { node: process.versions.node };
  const dirs = (process.env.NODE_PATH || "").split(":").filter(Boolean);
  for (const name of names) {
    // Read package.json directly: some packages (csrf-sync) do not export it.
    const dir = dirs.find((d) => fs.existsSync(`${d}/${name}/package.json`));
    out[name] = dir ? JSON.parse(fs.readFileSync(`${dir}/${name}/package.json`, "utf8")).version : "unknown";
  }
  return out;
}

module.exports = { buildApp, listen, versions };
