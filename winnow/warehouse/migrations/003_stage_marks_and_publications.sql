-- The order in which stages last wrote (a snapshot is published only when every stage ran after
-- the one it reads from) and the runs whose state was published as the read snapshot.
CREATE SEQUENCE IF NOT EXISTS stage_seq START 1;
CREATE TABLE IF NOT EXISTS stage_marks (
    stage        VARCHAR PRIMARY KEY,
    run_id       VARCHAR NOT NULL,
    seq          BIGINT NOT NULL,    -- from stage_seq: later writes have larger numbers
    finished_at  TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS publications (
    run_id        VARCHAR NOT NULL,
    seq           BIGINT NOT NULL,
    published_at  TIMESTAMP NOT NULL
);
