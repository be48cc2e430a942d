"use strict";
// The Express fixture with csrf-csrf: a double-submit cookie whose value is an HMAC bound to the session id, sent
// back in the header x-csrf-token (or the form field _csrf). The library's default cookie, __Host-psifi.x-csrf-token,
// is Secure, and a __Host- cookie without Secure is refused by browsers: the fixture runs on http://127.0.0.1 with
// secure: false, so it renames the cookie psifi.x-csrf-token. A wrong password answers 401 with the form again.
// Run by interop/frameworks/start.sh express-csrf.

const crypto = require("node:crypto");
const cookieParser = require("cookie-parser");
const { doubleCsrf } = require("csrf-csrf");
const { buildApp, listen, versions } = require("./common");

const secret = crypto.randomBytes(32).toString("hex");
const { doubleCsrfProtection, generateCsrfToken } = doubleCsrf({
  getSecret: () => secret,
  getSessionIdentifier: (req) => req.session.id,
  cookieName: "psifi.x-csrf-token",
  cookieOptions: { secure: false, sameSite: "lax" },
  getCsrfTokenFromRequest: (req) =>
    req.body && typeof req.body._csrf === "string" ? req.body._csrf : req.headers["x-csrf-token"],
});

listen(
  buildApp({
    name: "express-csrf",
    versions: versions(["express", "express-session", "csrf-csrf", "cookie-parser"]),
    csrf: [cookieParser(), doubleCsrfProtection],
    token: (req, res) => generateCsrfToken(req, res),
    wrongPassword: "401",
    // The token is bound to the session id: the anonymous session of the login page must persist.
    saveUninitialized: true,
  }),
);
