import { resolve } from 'node:path';

/**
 * Settings of the local infrastructure, from the environment, each default next to its
 * value. Ports avoid the standard ports of services this kind of machine already runs
 * (PostgreSQL 5432 is used as is; 9000, 6379, 5672, 1883, 4222, 3306 are avoided).
 */
export const ROOT = resolve(__dirname, '..', '..');
export const INFRA_DIR = resolve(ROOT, '.infra');

const int = (name: string, fallback: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new Error(`${name}=${raw} is not a TCP port; set it to an integer between 1 and 65535`);
  }
  return value;
};

export interface InfraSettings {
  kafkaPort: number; // INFRA_KAFKA_PORT, default 19092: the client listener
  controllerPort: number; // INFRA_KAFKA_CONTROLLER_PORT, default 19093: KRaft controller listener
  registryPort: number; // INFRA_REGISTRY_PORT, default 18081: Apicurio HTTP
  registryManagementPort: number; // INFRA_REGISTRY_MANAGEMENT_PORT, default 19000: Apicurio 3.x management
  postgresUrl: string; // INFRA_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/postgres (admin connection)
  databaseName: string; // INFRA_DATABASE, default cpm: the application's database
  registryDatabase: string; // INFRA_REGISTRY_DATABASE, default cpm_registry: Apicurio's storage
  kafkaHeap: string; // INFRA_KAFKA_HEAP, default 512m
  registryHeap: string; // INFRA_REGISTRY_HEAP, default 384m
}

export function infraSettings(): InfraSettings {
  return {
    kafkaPort: int('INFRA_KAFKA_PORT', 19092),
    controllerPort: int('INFRA_KAFKA_CONTROLLER_PORT', 19093),
    registryPort: int('INFRA_REGISTRY_PORT', 18081),
    registryManagementPort: int('INFRA_REGISTRY_MANAGEMENT_PORT', 19000),
    postgresUrl: process.env.INFRA_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    databaseName: process.env.INFRA_DATABASE ?? 'cpm',
    registryDatabase: process.env.INFRA_REGISTRY_DATABASE ?? 'cpm_registry',
    kafkaHeap: process.env.INFRA_KAFKA_HEAP ?? '512m',
    registryHeap: process.env.INFRA_REGISTRY_HEAP ?? '384m',
  };
}

/** The connection settings the services and tests read (docs/CONVENTIONS.md#connection-settings-from-the-environment). */
export function clientEnv(
  s: InfraSettings,
): Record<'KAFKA_BROKERS' | 'SCHEMA_REGISTRY_URL' | 'DATABASE_URL', string> {
  const pg = new URL(s.postgresUrl);
  pg.pathname = `/${s.databaseName}`;
  return {
    KAFKA_BROKERS: `127.0.0.1:${s.kafkaPort}`,
    SCHEMA_REGISTRY_URL: `http://127.0.0.1:${s.registryPort}/apis/ccompat/v7`,
    DATABASE_URL: pg.toString(),
  };
}
