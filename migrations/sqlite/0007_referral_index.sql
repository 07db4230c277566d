-- Counting referrals by inbox, not by spelling. referral_index is a keyed HMAC (a key
-- apart from email_index's) of the address normalised for counting only: no +tag, and
-- for Gmail no dots and one domain. It is never used to send mail. NULL for rows from
-- before this migration and for imported people: they are counted as before.
ALTER TABLE subscribers ADD COLUMN referral_index BLOB;
-- 1 once this person's confirmation earned their referrer a place; a second spelling of
-- the same inbox, referred by the same person, then earns nothing.
ALTER TABLE subscribers ADD COLUMN referral_credited INTEGER NOT NULL DEFAULT 0;
CREATE INDEX subscribers_referrals ON subscribers (referred_by, referral_index)
    WHERE referred_by IS NOT NULL;
