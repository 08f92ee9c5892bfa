-- Workflow triggers (the Power Automate connector's "For a selected document" and "For
-- multiple selected documents"): each library's forms, the registrations flows make, and
-- the runs users start, with their history and delivery attempts. See docs/automate.md.

-- A library's forms; their fields in order, one row each.
CREATE TABLE workflow_forms (
    library TEXT NOT NULL REFERENCES libraries(id),
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    -- The triggers the form is offered for, semicolon-separated
    -- (single_selected_document;multiple_selected_documents).
    contexts TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (library, id)
);

CREATE TABLE workflow_form_fields (
    library TEXT NOT NULL,
    form TEXT NOT NULL,
    position BIGINT NOT NULL,
    id TEXT NOT NULL,
    label TEXT NOT NULL,
    kind TEXT NOT NULL,
    required BIGINT NOT NULL,
    -- A choice field's listed choices (newline-separated), or the lookup field its choices
    -- come from.
    choices TEXT,
    lookup_field BIGINT,
    PRIMARY KEY (library, form, position),
    FOREIGN KEY (library, form) REFERENCES workflow_forms(library, id) ON DELETE CASCADE
);

-- Registrations. A flow that registers again (same environment, flow name, trigger and
-- library) replaces its row: the unique index makes a duplicate impossible; a registration
-- without the flow's identity headers (NULL) is never a duplicate.
CREATE TABLE workflows (
    id TEXT PRIMARY KEY,
    library TEXT NOT NULL REFERENCES libraries(id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    callback_url TEXT NOT NULL,
    form TEXT NOT NULL,
    infer_folder BIGINT NOT NULL,
    wait_for_completion BIGINT NOT NULL,
    -- The audience, semicolon-separated: user ids, group ids, workspace numbers, classes.
    audience_users TEXT NOT NULL,
    audience_groups TEXT NOT NULL,
    audience_workspaces TEXT NOT NULL,
    audience_classes TEXT NOT NULL,
    flow_name TEXT,
    flow_environment TEXT,
    flow_version TEXT,
    registered_by TEXT NOT NULL,
    secret TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX workflows_flow ON workflows (library, kind, flow_environment, flow_name);

-- Runs. `delivery` is pending until the callback answered 2xx (delivered) or the retries
-- ran out (dead_lettered); a node sending a run holds it until `claimed_until`, so two
-- nodes on one database never send the same run at once.
CREATE TABLE workflow_runs (
    id TEXT PRIMARY KEY,
    workflow TEXT NOT NULL,
    library TEXT NOT NULL REFERENCES libraries(id),
    starter TEXT NOT NULL,
    documents TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL,
    status TEXT,
    status_message TEXT,
    delivery TEXT NOT NULL,
    flow_run_id TEXT,
    attempts BIGINT NOT NULL,
    first_failure_at BIGINT,
    next_attempt_at BIGINT,
    claimed_until BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX workflow_runs_due ON workflow_runs (delivery, next_attempt_at);
CREATE INDEX workflow_runs_flow_run ON workflow_runs (library, flow_run_id);

-- A run's history: state changes (kind 'state') and delivery attempts (kind 'attempt').
CREATE TABLE workflow_run_log (
    seq BIGSERIAL PRIMARY KEY,
    run TEXT NOT NULL REFERENCES workflow_runs(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    at BIGINT NOT NULL,
    state TEXT,
    status TEXT,
    message TEXT,
    by_user TEXT,
    http_status BIGINT,
    latency_ms BIGINT,
    error TEXT
);
CREATE INDEX workflow_run_log_run ON workflow_run_log (run, seq);
