"use strict";
// The Express fixture with csrf-sync: a synchronizer token kept in the session, sent back in the form field _csrf
// or the header x-csrf-token. A wrong password redirects back to /login (Passport's failureRedirect style).
// Run by interop/frameworks/start.sh express-sync.

const { csrfSync } = require("csrf-sync");
const { buildApp, listen, versions } = require("./common");

const { csrfSynchronisedProtection, generateToken } = csrfSync({
  getTokenFromRequest: (req) => (req.body && typeof req.body._csrf === "string" ? req.body._csrf : req.headers["x-csrf-token"]),
});

listen(
  buildApp({
    name: "express-sync",
    versions: versions(["express", "express-session", "csrf-sync"]),
    csrf: csrfSynchronisedProtection,
    token: (req) => generateToken(req),
    wrongPassword: "redirect",
    saveUninitialized: false,
  }),
);
