-- What SMTP servers answered was kept as they wrote it, and some write the recipient's
-- address into a refusal ("550 5.1.1 <ana@example.org>: ..."). New errors are kept without
-- addresses (mail/redact.rs); the old ones that may hold one lose their text.
UPDATE outbox SET last_error = 'refused (the server''s words are not kept: they named the address)'
    WHERE last_error LIKE '%@%';
UPDATE outbox_attempts SET error = 'refused (the server''s words are not kept: they named the address)'
    WHERE error LIKE '%@%';
