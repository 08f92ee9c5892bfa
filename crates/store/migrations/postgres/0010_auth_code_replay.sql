-- A redeemed authorization code is kept, marked with the token family it was exchanged for,
-- until a day after it expires: a second exchange of the same code then revokes that family
-- (RFC 6749 §4.1.2), since the code has evidently leaked.
ALTER TABLE auth_codes ADD COLUMN redeemed_family TEXT;
