import { hostname } from 'node:os';

/**
 * This process's name among a service's instances: `<hostname>-<pid>`. Distinct however the
 * instances run: `docker compose --scale` and Kubernetes replicas (each container has its own
 * hostname, and a pid of 1), several processes on one host (their pids). A label for Kafka
 * client ids, consumer groups read by one process alone and records that say which instance
 * wrote them; nothing depends on it for correctness, so no setting is needed.
 */
export function processName(): string {
  return `${hostname()}-${process.pid}`;
}
