// Package fleetproof holds the end-to-end tests of sessions shared by a
// fleet of processes (issue 13): 16 CLI processes and 16 library worker
// processes sharing one session, on the file store, on Redis and on a Redis
// Cluster, against the Spring Security fixture with maximumSessions(1). The
// package has no code of its own; its tests re-execute their binary as the
// workers.
package fleetproof
