-- Filed emails (docs/email.md): the profile's own email fields beyond 0001's, the key that
-- tells the same message filed twice (`email_key`: `id:<Message-ID>`, or
-- `subject:<sent>:<subject>` for a message without one), the attachments as listed on the
-- profile (JSON: [{number, name, size, content_type}]), and each library's email settings.
ALTER TABLE documents ADD COLUMN email_subject TEXT;
ALTER TABLE documents ADD COLUMN message_id TEXT;
ALTER TABLE documents ADD COLUMN in_reply_to TEXT;
ALTER TABLE documents ADD COLUMN email_key TEXT;
ALTER TABLE documents ADD COLUMN attachments TEXT;

CREATE INDEX documents_by_email_key ON documents (library, email_key, is_latest);
CREATE INDEX documents_by_message_id ON documents (library, message_id, is_latest);
CREATE INDEX documents_by_in_reply_to ON documents (library, in_reply_to, is_latest);
CREATE INDEX documents_by_conversation ON documents (library, conversation_id, is_latest);

-- A library without a row has the defaults (de-duplication on).
CREATE TABLE email_settings (
    library TEXT PRIMARY KEY REFERENCES libraries(id),
    deduplicate INTEGER NOT NULL
);
