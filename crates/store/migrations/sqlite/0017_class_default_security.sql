-- A class's and a subclass's default security (iManage's class field, which the Power
-- Automate connector's GetClasses and GetSubclasses show): public, view or private.
ALTER TABLE classes ADD COLUMN default_security TEXT NOT NULL DEFAULT 'public';
ALTER TABLE subclasses ADD COLUMN default_security TEXT NOT NULL DEFAULT 'public';
