-- Enqueueing a job wakes the workers: a notification on `meshgov_jobs`, delivered when the
-- enqueuing transaction commits (never for one that rolls back), to every replica's listener.
-- Once per statement, and Postgres folds identical notifications of one transaction into one.
CREATE FUNCTION meshgov_jobs_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('meshgov_jobs', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER jobs_notify AFTER INSERT ON jobs FOR EACH STATEMENT EXECUTE FUNCTION meshgov_jobs_notify();
