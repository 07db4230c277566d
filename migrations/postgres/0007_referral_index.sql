-- As migrations/sqlite/0007: counting referrals by inbox, not by spelling.
ALTER TABLE subscribers ADD COLUMN referral_index BYTEA;
ALTER TABLE subscribers ADD COLUMN referral_credited BIGINT NOT NULL DEFAULT 0;
CREATE INDEX subscribers_referrals ON subscribers (referred_by, referral_index)
    WHERE referred_by IS NOT NULL;
