-- A workspace's or folder's three free-text project fields (iManage's project_custom1..3,
-- which integrations fill with a client alias, a template id and the like); not validated.
ALTER TABLE containers ADD COLUMN project_custom1 TEXT;
ALTER TABLE containers ADD COLUMN project_custom2 TEXT;
ALTER TABLE containers ADD COLUMN project_custom3 TEXT;
