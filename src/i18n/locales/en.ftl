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
