/**
 * testcontainers settings for this machine; imported before testcontainers itself.
 * - Ryuk (the reaper container) is off: its image would be pulled, and there is no
 *   registry here. The harness removes its own containers and network instead.
 * - The Docker host is 127.0.0.1: with /.dockerenv present, testcontainers would think
 *   it runs inside a container and look for a gateway address (and pull an image to
 *   find it); the daemon and the mapped ports are on this machine's loopback.
 */
process.env["TESTCONTAINERS_RYUK_DISABLED"] = "true";
process.env["TESTCONTAINERS_HOST_OVERRIDE"] = "127.0.0.1";

export {};
