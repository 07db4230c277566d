# English: the words of every page, form, error page and mail quietlist shows.
# Arguments: { $list } is the waitlist's title (already marked up in HTML), numbers pick
# plural forms. tests/api/catalogue.rs checks that every key here is used and that every
# language has the same keys.

## Every page
feed-title = { $site }: reports
skip-to-content = Skip to content
privacy-link = What we store and why
back-home = Back to the home page
go-home = Go to the home page
courses-heading = Courses
reports-heading = Reports
join-the-waitlist = Join the waitlist
kind-course = Course
kind-report = Report
by-authors = By { $authors }
contents = Contents
about-the-course = About the course
place-in-line = Your place in line:
unsubscribe = Unsubscribe
see-download-erase = See, download or erase your data
confirm-my-place = Confirm my place
take-my-seat = Take my seat

## The waitlist form
check-the-form = Please check the form
form-check-highlighted = Please check the highlighted field.
form-email = Email address
form-name = Name
form-optional = (optional)
form-choose = Choose…
form-leave-empty = Leave this empty
form-how-we-keep-it = How we keep that promise

## What the form says when a field is wrong
email-empty = Please enter your email address.
email-too-long = That address is too long (254 characters at most).
email-no-at = An email address needs one @, like name@example.com.
email-bad-local = The part before the @ is not valid.
email-bad-domain = The part after the @ is not a valid domain, like example.com.
email-throwaway = Addresses at { $domain } are throwaway addresses; please use an address you will keep.
name-too-long = Names are limited to 100 characters.
name-bad-characters = The name contains characters that are not allowed.
field-required = Please answer this question.
field-bad-characters = This answer contains characters that are not allowed.
field-too-long = Please keep this under { $max } characters.
field-not-an-option = Please pick one of the listed answers.

## After the form
inbox-heading = Check your inbox
inbox-mail-on-its-way = If this address can join the waitlist for { $list }, a mail with a confirmation link is on its way. Open it and press the button to take your place in line.
inbox-nothing-until-confirmed = Nothing happens until you confirm: no other mail, no list. The link works for { $hours } hours.
inbox-no-mail = No mail after a few minutes? Look in your spam folder. We send at most one confirmation mail a day to any address.

## Confirming
confirm-heading = Confirm your place
confirm-press-the-button = Press the button to confirm your address and join the waitlist for { $list }.
confirmed-heading = You are on the waitlist
confirmed-already-heading = You had already confirmed
confirmed-thanks = Thank you. You are on the waitlist for { $list }.
confirmed-no-longer-waiting = You are no longer waiting in line for this course.
confirmed-we-will-write = We will write when a seat opens for you.
confirmed-manage-link = See everything we store about you, download it, unsubscribe or erase it
confirmed-same-link-in-mail = The same link is in the welcome mail.

## Unsubscribing and one's own data
unsubscribed-title = Unsubscribed
unsubscribed-heading = You are unsubscribed
unsubscribed-no-more-mail = You will get no more mail from us about { $list }.
unsubscribed-no-more-mail-already = You will get no more mail from us about { $list } (you had already unsubscribed).
unsubscribed-record-stays = Your record stays until you erase it, so that we remember not to write to you.
unsubscribed-see-or-erase = See or erase your data
unsubscribed-ask-for-link = To erase it, ask for a link at { $link }.
unsubscribe-press-the-button = Press the button and you will get no more mail from us about { $list }.
manage-request-heading = Manage your data
manage-request-sent = If this address is on one of our waitlists, a mail with a link to your data is on its way. The link works for 30 days.
manage-request-intro = Enter the address you signed up with. If it is on one of our waitlists, we will mail you a link to see everything we store about you, download it, unsubscribe or erase it.
manage-request-button = Send me a link
manage-title = Your data
manage-heading = Everything we store about you
manage-intro = For the waitlist { $list }. Your address and name are stored encrypted; nobody has ever been sold or given them.
manage-no-name = (none given)
manage-status = Status
manage-place = Place in line
manage-signed-up = Signed up
manage-confirmed = Confirmed
manage-unsubscribed = Unsubscribed
manage-consent-heading = Your consent
manage-consent = On { $confirmed } you confirmed the form you sent on { $submitted } ({ $form }).
manage-consent-from-network = On { $confirmed } you confirmed the form you sent on { $submitted } ({ $form }, from network { $network }).
manage-consent-agreed = You agreed to:
manage-consent-version = (version { $version })
manage-no-consent = No consent recorded.
manage-mail-heading = Mail we sent you
manage-no-mail = None.
manage-actions-heading = What you can do
manage-download = Download my data (JSON)
manage-erase-confirm = I want everything about me erased. This cannot be undone.
manage-erase-button = Erase everything
manage-erase-tick-the-box = Tick the box to confirm that you want everything erased.
erased-heading = Everything about you is erased
erased-what-went = Your address, your name, your answers, your place in line, your links and the record of the mails we sent you are deleted.
erased-what-stays = We keep only a one-way keyed hash of your address, so that it cannot be added back without your new confirmation.

## The privacy page
privacy-intro = This site runs quietlist, which keeps that promise in its code, not just in this text. Here is what it does.
privacy-never-spam = We never spam
privacy-one-confirmation = Before you confirm, you get one mail: the confirmation. However often an address is entered, it gets at most one confirmation mail every { $hours } hours.
privacy-after-confirming = After you confirm: a welcome with your place in line, and an invitation when a seat opens. Never more than { $cap ->
        [one] one mail
       *[other] { $cap } mails
    } in any 30 days; the server refuses to send more.
privacy-one-click = Every mail after the confirmation has a one-click unsubscribe link, which works without logging in.
privacy-never-sell = We never sell
privacy-encrypted = Your address and name are stored encrypted, with a key kept apart from the database.
privacy-consent-record = We record your consent: when you sent the form, when you confirmed, the exact text you agreed to, and your network ({ $network }).
privacy-ip-truncated = only its first three parts: a /24, or a /48 for IPv6
privacy-ip-full = your full IP address, as the site's owner chose
privacy-ip-none = not recorded
privacy-exports-audited = Every export of the list is written in an audit log.
privacy-no-trackers = No cookies for visitors, no trackers, nothing loaded from other sites.
privacy-how-long = How long we keep it
privacy-keep-unconfirmed = Unconfirmed signups: deleted after { $days ->
        [one] one day
       *[other] { $days } days
    }.
privacy-keep-mail = Records of mail sent: { $days } days.
privacy-keep-record = Your record, once confirmed: until you erase it.
privacy-after-erasure = After erasure we keep only a one-way keyed hash of your address, so that it is not added back without a new confirmation; your consent record stays { $days } days, with nothing that leads to you.
privacy-record-so-far = The record so far
privacy-count-confirmation = Confirmation mails sent
privacy-count-welcome = Welcome mails sent
privacy-count-invite = Invitations sent
privacy-count-access = Links to people's own data sent
privacy-count-exports = Exports of a list by its owner (each one in the audit log)
privacy-count-unsubscribes = Unsubscribes
privacy-count-erasures = Erasures
privacy-count-imports = Imports
privacy-count-sold = Addresses sold or shared
privacy-never = never
privacy-counted-live = Counted live from the database.
privacy-counted-live-at = Counted live from the database ({ $time }).

## Error pages
not-found-heading = Page not found
not-found-text = There is nothing at this address. The link may be mistyped, or the page may have moved.
gone-title = Page removed
gone-heading = This page was removed
gone-text = The page that was at this address has been taken down on purpose and will not come back.
error-reference = Reference:
error-method-heading = Method not allowed
error-method-text = This address does not accept that kind of request.
error-too-large-heading = That was too much
error-too-large-text = The form sent more than 16 KiB, which no signup needs. Please shorten your answers and try again.
error-media-type-heading = Unsupported form
error-media-type-text = Send the form as application/x-www-form-urlencoded (a plain HTML form) or as application/json.
error-too-many-heading = Too many attempts
error-too-many-text = Many requests came from your network in a short time. Please wait { $seconds } seconds and try again.
error-busy-heading = Please try again in a moment
error-disk-full-text = We could not save your request because our disk is full. Nothing was recorded; please try again later.
error-busy-text = We are busy right now and could not save your request. Nothing was recorded; please try again in a moment.
error-internal-heading = Something went wrong on our side
error-internal-text = The problem has been logged. Please try again later; if it keeps happening, tell us the reference below.
error-link-expired-heading = This link has expired
error-confirm-link-expired-text = Confirmation links work for { $hours } hours. Sign up again with the same address to get a new one.
error-link-invalid-heading = This link is not valid
error-confirm-link-invalid-text = It may be incomplete: some mail programs break long links. Try copying the whole link from the mail into your browser.
error-bad-address-text = The address of this page could not be read. Please check the link.
error-server-text = Something went wrong on our side. Please try again later.
error-generic-text = The request could not be handled.
error-pow-heading = Signups are paused for a while
error-pow-flood = This site is receiving a flood of automated signups, so for now each signup must carry a small proof-of-work calculation, which this form cannot do.
error-pow-come-back = Nothing was recorded. Please come back in a few hours; the site's owner turns this check off once the flood is over.
error-manage-link-expired-text = Links to your data work for 30 days. Ask for a new one at /manage: it comes by mail.
error-manage-link-invalid-text = It may be incomplete, or the data it led to has been erased. You can ask for a new link at /manage.
error-invitation-expired-heading = This invitation has expired
error-invitation-expired-text = The seat went to the next person in line. You keep your place for the next cohort.
error-field-twice-heading = A field was sent twice
error-field-twice-text = The field “{ $field }” was sent more than once. Send each field once and try again.

## Mails
mail-subject-confirmation = Confirm your place on the waitlist for { $list }
mail-subject-welcome = You are on the waitlist for { $list }
mail-subject-access = Your link to see and manage your data ({ $list })
mail-subject-invite = A seat is open for you: { $list }
mail-with-one-click = with one click.
mail-unsubscribe-one-click = Unsubscribe with one click:
mail-copy-address = Or copy this address into your browser:
mail-confirm-please = Please confirm your place on the waitlist for { $list }.
mail-confirm-someone-asked = Someone, probably you, asked to join this waitlist with this address. To confirm, open this link and press the button on the page:
mail-confirm-link-works = The link works for { $hours } hours. If you did not ask for this, ignore this mail: without your confirmation we will not write to you again, and your address is deleted within { $days ->
        [one] a day
        [7] a week
       *[other] { $days } days
    } at most.
mail-welcome-on-the-list = You are on the waitlist for { $list }.
mail-welcome-we-will-write = We will write when a seat opens for you. Until then you will hear nothing from us: at most { $cap ->
        [one] one mail
       *[other] { $cap } mails
    } in any 30 days, ever, and only about this course.
mail-welcome-this-link = this link
mail-welcome-share = Know someone the course would suit? Share { $link }; each person who joins through it and confirms moves you up { $places ->
        [one] 1 place
       *[other] { $places } places
    } in line.
mail-welcome-share-text = Know someone the course would suit? Share this link; each person who joins through it and confirms moves you up { $places ->
        [one] 1 place
       *[other] { $places } places
    } in line:
mail-welcome-manage = See everything we store about you, download it, or erase it
mail-welcome-link-30-days = This link works for 30 days; you can ask for a new one at { $link }.
mail-access-intro = Here is your link to see everything we store about you for the waitlist { $list }, download it, unsubscribe, or erase it:
mail-access-button = Manage my data
mail-access-30-days = It works for 30 days. If you did not ask for it, you can ignore this mail.
mail-announcement-why = Why you get this: you confirmed your place on the waitlist for { $list }, and the people who run it write to the waitlist now and then. Never more than { $cap ->
        [one] one mail
       *[other] { $cap } mails
    } in 30 days.
mail-invite-seat-open = A seat is open for you in { $list }.
mail-invite-seat-open-cohort = A seat is open for you in { $list } (cohort { $cohort }).
mail-invite-seat-open-cohort-starts = A seat is open for you in { $list } (cohort { $cohort }, starting { $starts }).
mail-invite-next-in-line = You were next in line. To take the seat, open this link and press the button:
mail-invite-let-us-know = let us know
mail-invite-decline = If you cannot take part this time, { $link } so the seat goes to the next person.
mail-invite-decline-text = If you cannot take part this time, let us know so the seat goes to the next person:
mail-invite-open-until = The invitation is open until { $date }. After that the seat goes to the next person in line.

## Invitations (the accept and decline links)
invite-seat-cohort = { $list } (cohort { $cohort })
invite-seat-cohort-starts = { $list } (cohort { $cohort }, starting { $starts })
invite-accept-heading = Take your seat
invite-accept-press = Press the button to take your seat in { $seat }.
invite-decline-heading = Decline the invitation
invite-decline-press = Press the button if you cannot take part in { $seat }; the seat goes to the next person.
invite-decline-button = Decline
invite-answered-heading = You have answered this invitation
invite-answered-state = Its state: { $state ->
        [accepted] accepted
        [declined] declined
        [expired] expired
       *[other] { $state }
    }.
invite-accepted-heading = Your seat is yours
invite-accepted-text = You have a seat in cohort { $cohort }. We will write with the details before it starts.
invite-declined-heading = Thank you for letting us know
invite-declined-text = The seat goes to the next person in line.
invite-full-heading = The last seat was just taken
invite-full-text = Someone answered a moment before you. You keep your place in line, and we will write when the next seat opens.

## Why a signup's proof of work was refused (under the flood-check page)
pow-missing = (This signup carried no proof of work.)
pow-invalid = (The proof of work could not be read or is wrong.)
pow-expired = (The proof-of-work challenge had expired.)
pow-replayed = (This proof of work was already used.)
pow-busy = (Too many challenges are being solved right now; please try again in a minute.)

## The owner's area (in the site's language)
admin-owner = Owner
admin-dashboard = Dashboard
admin-api-keys = API keys
admin-webhooks = Webhooks
admin-sign-out = Sign out
admin-sign-in = Sign in
admin-sign-in-heading = Owner sign-in
admin-closed = No owner account exists yet, so this area is closed. On the server, create one:
admin-password = Password
admin-login-refused = That address and password do not match an owner account.
admin-login-throttled = Too many failed sign-ins. Try again in { $minutes ->
        [one] a minute
       *[other] { $minutes } minutes
    }.
admin-not-allowed = Not allowed
admin-role-can-change = An owner of this site can change your role.
admin-cannot-be-done = That cannot be done
admin-import-refused = The file cannot be imported
admin-cross-site = This request came from another site.
admin-form-unreadable = The form could not be read.
admin-form-expired = The form has expired or did not come from this site. Reload the page and try again.
admin-no-owner-yet = No owner account exists yet. Create one with: quietlist admin add EMAIL --password-stdin
admin-list-people = Waitlist { $name }: { $total ->
        [one] 1 person
       *[other] { $total } people
    }.
admin-people-by-status = People by status
admin-status = { $status ->
        [pending] pending
        [confirmed] confirmed
        [invited] invited
        [accepted] accepted
        [declined] declined
        [expired] expired
        [unsubscribed] unsubscribed
       *[other] { $status }
    }
admin-signups-per-day = Signups per day
admin-chart-title = Form submissions per day, last { $days } days
admin-chart-caption = Form submissions per day over the last { $days } days.
admin-figures-as-table = The figures as a table
admin-funnel-heading = Funnel, last { $days } days
admin-funnel-step = Step
admin-funnel-count = Count
admin-funnel-rate = From the step before
admin-funnel-views = Views of its pages
admin-funnel-submissions = Form submissions
admin-funnel-confirmations = Confirmations
admin-funnel-invitations = Invitations
admin-funnel-acceptances = Acceptances
admin-cohorts = Cohorts
admin-cohort = Cohort
admin-seats = Seats
admin-accepted = Accepted
admin-invited-open = Invited, open
admin-free = Free
admin-no-cohort = No cohort yet.
admin-person-title = Person { $id }
admin-person-audited = Opening this page is recorded in the audit log.
admin-person-undeliverable = Mail to this address was refused on { $since }: { $reason }. Announcements skip this person until a mail reaches them again; an invitation is still sent.
admin-person-waitlist = Waitlist
admin-person-no-name = (none given)
admin-person-status = Status
admin-person-place = Place in line
admin-person-signed-up = Signed up
admin-person-confirmed = Confirmed
admin-person-unsubscribed = Unsubscribed
admin-person-consent = Consent
admin-person-consent-record = Confirmed { $confirmed }; form sent { $submitted } from { $form }
admin-person-consent-version = text version { $version }
admin-person-no-consent = No consent recorded (not confirmed).
admin-person-mail = Mail
admin-person-mail-queued = queued { $at }
admin-person-mail-sent = sent { $at }
admin-person-no-mail = None.
admin-person-actions = Actions
admin-person-resend = Send the confirmation again (within the daily limit)
admin-person-erase = Erase this person
admin-import = Import
admin-import-into = Import into { $list }
admin-import-rows-read = Rows read:
admin-import-added = Added:
admin-import-with-consent = confirmed with consent proof: { $count }
admin-import-pending = pending; confirmation mails queued: { $count }
admin-import-already-there = Already on the list: { $count }
admin-import-suppressed = Erased before, not re-added: { $count }
admin-import-duplicates = Duplicates within the file, merged: { $count }
admin-import-rejected = Rejected:
admin-import-line = Line
admin-import-why = Why
admin-back-to-list = Back to the list

## The owner's page of a list
admin-list-erased = The person was erased.
admin-list-cohort-saved = The cohort was saved.
admin-list-invited = Done: { $count ->
        [one] 1 person invited
       *[other] { $count } people invited
    }.
admin-list-undeliverable = { $count ->
        [one] 1 of those invited has an address
       *[other] { $count } of those invited have addresses
    } whose mail server refused mail for good: the invitation was queued all the same (the mailbox may be back), but it may not arrive. Their pages say why.
admin-list-held = { $count ->
        [one] 1 person next in line was
       *[other] { $count } people next in line were
    } not invited: they have had the most mails the promise allows in 30 days. They keep their place; invite again once their window frees a mail.
admin-list-people-heading = People
admin-list-all = All
admin-list-find = Find an address
admin-list-show = Show
admin-list-nobody-with-address = Nobody on this list has that address.
admin-list-address = Address
admin-list-referrals = Referrals
admin-list-refused-since = Mail to this address has been refused since { $since }
admin-list-undeliverable-mark = (undeliverable)
admin-list-nobody = Nobody here.
admin-list-next-page = Next page
admin-list-export = Export as CSV
admin-list-export-audited = (recorded in the audit log)
admin-list-invite-heading = Invite the next people in line
admin-list-how-many = How many
admin-list-into-cohort = Into cohort
admin-list-cohort-free = { $cohort } ({ $free } free)
admin-list-overbook = Invite that many even if fewer seats are free (acceptances still stop at capacity)
admin-list-send-invitations = Send invitations
admin-list-cohort-first = Create a cohort first.
admin-list-new-cohort = New cohort
admin-list-cohort-starts = Starts (optional)
admin-list-save-cohort = Save cohort
admin-list-count-not-a-number = How many people to invite: a whole number.
admin-list-cohort-name = The cohort's name: lower-case letters, digits and hyphens.
admin-list-cohort-capacity = The capacity: a whole number of seats.
admin-announcements = Announcements
admin-write-announcement = Write an announcement
admin-list-announcements-intro = Write to the people on this list: preview the mail, send a test to yourself, then send it. Each person gets an announcement once, within the promise.
admin-list-announcements-progress = Announcements on this list, their progress
admin-list-embed-heading = The form on another site
admin-list-embed-intro = Paste this into a page of your other site (a site listed in <code>allowed_origins</code> in site.toml; no other site may show the form). It needs no script and sets no cookie; the answer opens in the whole window.
admin-list-embed-allowed = Allowed now:
admin-list-embed-none = No site is allowed yet: add <code>allowed_origins = ["https://example.com"]</code> at the top of site.toml.
admin-list-import-heading = Import from CSV
admin-list-import-columns = Columns: <code>email</code> (required), <code>name</code>, the list's own fields; with consent proof also <code>consent_at</code> (RFC 3339), <code>consent_source</code>, and optionally <code>consent_text</code>, <code>consent_ip</code>. Without consent proof, each new person gets one confirmation mail and stays pending until they confirm.
admin-list-import-file = CSV file
admin-list-import-with-consent = The file carries proof of each person's consent; import them as confirmed without a confirmation mail
admin-import-choose-file = Choose a CSV file to import.
admin-import-upload-unreadable = The upload could not be read: { $reason }
admin-import-file-unreadable = The file could not be read: { $reason }
admin-import-bad-header = The file's header row cannot be read: { $reason }
admin-import-no-email-column = The file's header row has no "email" column.
admin-import-no-consent-columns = Importing with consent needs "consent_at" and "consent_source" columns in the file.

## Writing an announcement (the owner's form)
admin-announce-title = New announcement
admin-announce-heading = New announcement to { $list }
admin-announcements-on-list = Announcements on this list
admin-run-state = { $state ->
        [scheduled] scheduled
        [sending] sending
        [paused] paused
        [done] done
        [cancelled] cancelled
       *[other] { $state }
    }
admin-announce-already-heading = Already { $state ->
        [scheduled] scheduled
        [sending] sending
        [paused] paused
        [done] done
        [cancelled] cancelled
       *[other] { $state }
    }
admin-announce-already = “{ $subject }” is already { $state ->
        [scheduled] scheduled
        [sending] sending
        [paused] paused
        [done] done
        [cancelled] cancelled
       *[other] { $state }
    }: nothing new was started. Its latest text is kept for the people it has not reached yet.
admin-announce-scheduled-heading = Scheduled
admin-announce-scheduled = “{ $subject }” is scheduled for <strong>{ $at }</strong> (UTC), for <strong>{ $count }</strong> { $count ->
        [one] person
       *[other] people
    } as things stand now. You can pause or cancel it until then.
admin-announce-sending-heading = Sending
admin-announce-sending = “{ $subject }” is going out to <strong>{ $count }</strong> { $count ->
        [one] person
       *[other] people
    }, at the sending rate, each mail within the promise. You can pause or cancel it while it goes.
admin-figures-to-get-it = to get it
admin-figures-would-get-it = would get it
admin-figures-of-audience = (of { $audience } in the chosen groups)
admin-figures-already-sent = { $count } already got it: nobody gets the same announcement twice
admin-figures-skipped-cap = { $count } skipped at the mail cap: one more mail would take the last place in their 30 days, which is kept for an invitation
admin-figures-skipped-refused = { $count } skipped: their address is marked undeliverable (their mail server refused it for good)
admin-figures-unsubscribed = { $count } unsubscribed: never written to
admin-announce-follow = Follow its progress
admin-announce-identity = Its identity: <code>{ $key }</code>. Sending it again reaches nobody twice. Written in the audit log.
admin-announce-another = Write another announcement
admin-announce-test-sent = A test copy went to your address, <strong>{ $address }</strong>, with “[test]” before the subject. Nothing went to the list, and it counts against nobody’s mails.
admin-announce-test-failed = The test copy was not sent: { $reason }. Nothing went to the list.
admin-announce-confirm-heading = Send it now?
admin-announce-confirm = This queues “{ $subject }” for <strong data-testid="confirm-count">{ $count }</strong> { $count ->
        [one] person
       *[other] people
    }, as previewed below.
admin-announce-queue-it = Queue it for { $count } { $count ->
        [one] person
       *[other] people
    }
admin-announce-or-change = Or change it in the form below.
admin-announce-nobody = Nobody would get it now: see the figures below.
admin-announce-write = Write
admin-announce-subject = Subject
admin-announce-text = Text
admin-announce-text-hint = Markdown. <code>{"{{"} name {"}}"}</code> becomes each person’s name. Raw HTML is shown as text; images only from this site.
admin-announce-fallback = For someone who gave no name, <code>{"{{"} name {"}}"}</code> says
admin-announce-id = Id (optional)
admin-announce-id-hint = Letters, digits, “-”, “_” or “.”. An announcement is sent to each person once: with an id, once per id, even if you correct the text; without one, once per subject and text.
admin-announce-audience = Send to the people who are
admin-announce-to-confirmed = confirmed, waiting in line
admin-announce-to-invited = invited, not answered yet
admin-announce-to-accepted = accepted a seat
admin-announce-send-at = Send at (UTC, optional)
admin-announce-send-at-hint = Empty sends it as soon as you confirm. A time in UTC, such as 2026-06-01 09:00, schedules it.
admin-announce-preview = Preview
admin-announce-test = Send a test to me
admin-announce-send = Send…
admin-announce-nothing-before-confirm = Nothing goes to the list before you confirm; Preview and the test change nothing.
admin-announce-preview-intro = As someone on the list who gave no name gets it. Their own links (manage, unsubscribe) are stand-ins here.
admin-announce-from = From
admin-announce-who-now = Who would get it now
admin-announce-html-part = The HTML part
admin-announce-html-part-title = The HTML part of the mail
admin-announce-text-part = The text part
admin-announce-choose-step = Choose Preview, Send a test to me, or Send.
admin-announce-choose-audience = Choose at least one group of people to send it to.
admin-announce-bad-send-at = When to send it: a date and time such as 2026-06-01T09:00 (UTC), or empty for now.
admin-announce-bad-subject = Write a subject of 1 to { $max } characters, on one line.
admin-announce-bad-id = An id is 1 to { $max } letters, digits, '-', '_' or '.' (no spaces), or leave it empty.
admin-announce-empty-body = Write the text.
admin-announce-body-too-long = The text is longer than { $max } characters: shorten it.
admin-announce-bad-fallback = At most { $max } characters, on one line.
admin-announce-markdown = The text, line { $line }: { $problem }.
admin-announce-bad-file = The text: { $problem }.
markdown-foreign-image = image { $url } is on another origin; pages load nothing from other origins (put the file in the site's static/ folder)
markdown-heading-attribute = heading attribute { $names }: a heading takes only an id ({"{"}#id{"}"}) and classes ({"{"}.class{"}"}); other attributes would be raw HTML
markdown-image-without-alt = image { $url } has no alt text; write what it shows between the brackets: ![a chart of response rates]({ $path })
markdown-image-not-found = image { $url } is not in the site's static/ folder (write it as /static/FILE and put FILE there)
markdown-image-unreadable = image { $url } cannot be read as an image ({ $reason })

## Announcements on a list, their progress
admin-runs-heading = Announcements to { $list }
admin-runs-intro = Figures come from the mail server’s answers only: nothing here is learned from readers (no pixels, no rewritten links). Mails go out at { $rate } a second at most.
admin-runs-caption = Every announcement on this list, newest first
admin-runs-state = State
admin-runs-handed-over = Handed over
admin-runs-waiting = Waiting
admin-runs-deferred = Deferred
admin-runs-refused = Refused
admin-runs-cancelled-skipped = Cancelled or skipped
admin-runs-examined = Examined
admin-runs-steer = Steer
admin-runs-by = by { $who }
admin-runs-for = for
admin-runs-examined-of = { $examined } of { $total }
admin-runs-action = { $action ->
        [pause] Pause
        [resume] Resume
        [cancel] Cancel
       *[other] { $action }
    }
admin-runs-none = No announcement yet.
admin-runs-paused = Paused: its queued mails stay unsent until you resume it.
admin-runs-resumed = Resumed: its mails go out again from now, at the sending rate.
admin-runs-cancelled = Cancelled: its unsent mails will not go.
admin-runs-progress = { $sent } handed over, { $waiting } waiting, { $deferred } deferred, { $in_flight } in flight, { $refused } refused, { $cancelled } cancelled, { $skipped } skipped at hand-off; { $examined } of { $total } examined
admin-runs-bad-action = action: { $action } is not one of pause, resume, cancel
admin-audience = { $statuses } people
admin-audience-cohort = { $audience } invited to cohort { $cohort }
admin-audience-field = { $audience } whose { $field } is "{ $value }"

## API keys and webhooks (the owner's pages)
admin-keys-intro = Keys let your own programs use the API (<code>/api/v1</code>, described at <a href="/api/openapi.json">/api/openapi.json</a>). A key is shown once, when it is made; quietlist keeps only its hash. What a key does is in the audit log under its name.
admin-keys-revoked = The key was revoked: its next request is refused.
admin-keys-made = Key { $name } is made
admin-keys-copy-now = Copy it now: it will not be shown again.
admin-keys-heading = Keys
admin-keys-scopes = Scopes
admin-keys-created = Made
admin-keys-made-by = Made by
admin-keys-last-used = Last used
admin-keys-never = never
admin-keys-revoke = Revoke
admin-keys-revoke-name = Revoke { $name }
admin-keys-none = No keys yet.
admin-keys-make-heading = Make a key
admin-keys-make = Make the key
admin-keys-choose-scope = Choose at least one scope for the key.
admin-webhooks-intro = Each event is POSTed as JSON, signed with the webhook’s secret (<code>Quietlist-Signature</code>), and tried again with backoff for about a day. A payload names the person by id, not by address, unless the webhook includes addresses: then each delivery that carries one is written in the audit log.
admin-webhooks-removed = The webhook was removed, with its delivery log.
admin-webhooks-added = Webhook { $id } added. Its signing secret, shown this once (keep it with the receiver):
admin-webhooks-caption = Every webhook
admin-webhooks-id = Id
admin-webhooks-events = Events
admin-webhooks-addresses = Addresses
admin-webhooks-deliveries = Deliveries
admin-webhooks-remove = Remove
admin-webhooks-with-addresses = Includes people’s addresses
admin-webhooks-ids-only = Ids only
admin-webhooks-counts = { $delivered } delivered, { $queued } waiting, { $failed } failed
admin-webhooks-none = No webhook yet.
admin-webhooks-add-heading = Add a webhook
admin-webhooks-include-email = Include the person’s address in each payload (every such delivery is audited)
admin-webhooks-insecure = Allow plain http to a host other than this machine (the payload travels unencrypted)
admin-webhooks-private-ok = The URL may resolve to a private address (an internal CRM, say): you choose where quietlist posts, so it does not refuse one.
admin-webhooks-add = Add the webhook
admin-webhook-title = Webhook { $id }
admin-webhook-back = Back to the webhooks
admin-webhook-with-addresses = includes people’s addresses
admin-webhook-ids-only = ids only
admin-webhook-replayed = The delivery is queued again.
admin-webhook-caption = The last deliveries, newest first
admin-webhook-time = Time (UTC)
admin-webhook-event = Event
admin-webhook-person = Person
admin-webhook-status = Status
admin-webhook-attempts = Attempts
admin-webhook-last-attempt = Last attempt
admin-webhook-replay = Replay
admin-webhook-delivery = delivery { $id }
admin-webhook-no-delivery = No delivery yet.
admin-delivery-state = { $state ->
        [queued] queued
        [sending] sending
        [delivered] delivered
        [failed] failed
       *[other] { $state }
    }
webhook-unknown-event = Events: { $event } is not an event (use subscriber.confirmed, subscriber.unsubscribed, subscriber.erased, invitation.accepted, invitation.declined).
webhook-no-events = Events: name at least one event.
webhook-not-a-url = URL: not a URL ({ $reason }).
webhook-scheme = URL: only http and https URLs can receive webhooks.
webhook-insecure = URL: plain http sends the signed payload unencrypted; use https, a loopback address, or allow plain http below.
webhook-credentials = URL: a URL with a user name or password is refused (put credentials elsewhere).
webhook-fragment = URL: a URL with a #fragment is refused.
webhook-too-long = URL: at most 2,000 characters.

## Refusals on the owner's pages
admin-role-may-not = An account with the role { $role } may not { $what ->
        [figures] see the figures
        [people] see people's addresses
        [resend] send a confirmation again
        [unsubscribe] unsubscribe people
        [erase] erase people
        [export] export a list
        [import] import addresses
        [announce] send or steer announcements
        [invite] invite people or set up cohorts
        [audit-log] read the audit log
        [accounts] manage admin accounts
       *[keys] manage API keys and webhooks
    }.
invite-unknown-list = There is no waitlist by that name.
invite-unknown-cohort = The waitlist { $list } has no cohort { $cohort }; declare one in site.toml or create it in the dashboard.
invite-no-cohort = The waitlist { $list } has no cohort yet; declare one in site.toml or create it in the dashboard.
refused-cancelled-announcement = announcement { $key } was cancelled; to send it after all, give it a new id in its front matter
refused-no-cohort = --cohort: list { $list } has no cohort { $cohort }
refused-no-field = --where: list { $list } has no field { $field }
refused-delivery-in-flight = delivery { $id } is being sent right now ({ $state }); try again in a moment
refused-run-state = cannot { $action } announcement { $key }: it is { $state }{ $action ->
        [resume] {" "}(only a paused run can be resumed)
        [pause] {" "}(only a scheduled or sending run can be paused)
       *[cancel] { $state ->
            [paused] {""}
           *[other] {" "}(only a run still going can be cancelled)
        }
    }
refused-key-name-length = the name must be 1 to 64 characters
refused-key-name-characters = the name may hold letters, digits, '-', '_' and '.' only
refused-key-no-scope = give at least one scope
refused-key-maker = { $actor } may not make API keys
refused-key-exists = a key named { $name } exists already: revoke it first or choose another name
refused-no-key = there is no API key named { $name }
## Announcements published on the site (/news/{id})
kind-news = News
news-form-publish = Also publish it on the site
news-form-publish-hint = It goes up as a page of the site and in the feed when it is sent (a scheduled one at its time); a preview or a test copy never publishes it. Where the text says the person’s name, the page says the stand-in above, never anyone’s name. You can take it down later.
news-admin-on-site = On the site
news-admin-withdrawn = Taken off the site
news-admin-when-run-starts = Goes on the site when it is sent
news-admin-publish = Publish on the site
news-admin-unpublish = Take off the site
news-admin-published = Published: it is on the site and in the feed (once it is sent).
news-admin-unpublished = Taken off the site: its page now says it was removed, and it left the feed.
