-- Classes and subclasses as administrators maintain them (iManage's class fields), and
-- each library's definitions of custom1-custom30. Booleans are 0/1; a class's required
-- fields are a comma-separated list of field numbers.
ALTER TABLE classes ADD COLUMN hipaa INTEGER NOT NULL DEFAULT 0;
ALTER TABLE classes ADD COLUMN indexable INTEGER NOT NULL DEFAULT 1;
ALTER TABLE classes ADD COLUMN retain_days INTEGER NOT NULL DEFAULT 0;
ALTER TABLE classes ADD COLUMN required_fields TEXT NOT NULL DEFAULT '';
ALTER TABLE classes ADD COLUMN shadow INTEGER NOT NULL DEFAULT 0;
ALTER TABLE classes ADD COLUMN echo INTEGER NOT NULL DEFAULT 1;
ALTER TABLE classes ADD COLUMN subclass_required INTEGER NOT NULL DEFAULT 0;

ALTER TABLE subclasses ADD COLUMN hipaa INTEGER NOT NULL DEFAULT 0;
ALTER TABLE subclasses ADD COLUMN indexable INTEGER NOT NULL DEFAULT 1;
ALTER TABLE subclasses ADD COLUMN retain_days INTEGER NOT NULL DEFAULT 0;
ALTER TABLE subclasses ADD COLUMN required_fields TEXT NOT NULL DEFAULT '';
ALTER TABLE subclasses ADD COLUMN shadow INTEGER NOT NULL DEFAULT 0;
ALTER TABLE subclasses ADD COLUMN echo INTEGER NOT NULL DEFAULT 1;

-- Only fields a library changed have a row; the others take the defaults
-- (core::fields::CustomFieldDefinition::default_for).
CREATE TABLE custom_fields (
    library TEXT NOT NULL,
    field INTEGER NOT NULL,
    caption TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    required INTEGER NOT NULL,
    lookup_validated INTEGER NOT NULL,
    PRIMARY KEY (library, field)
);
