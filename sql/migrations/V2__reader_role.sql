-- A read-only role for Grafana and ad-hoc SQL. It has no login of its own: a deployment creates
-- a login role and grants qoe_reader to it (docker-compose does this for Grafana).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'qoe_reader') THEN
        CREATE ROLE qoe_reader NOLOGIN;
    END IF;
END
$$;

GRANT USAGE ON SCHEMA public TO qoe_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO qoe_reader;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO qoe_reader;
