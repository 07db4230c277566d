//! Signing up, links, confirming, the line and referrals.

use std::sync::Arc;

use quietlist::domain::{Status, TokenPurpose};
use quietlist::store::{ConfirmOutcome, DAY, HOUR, MailToken, SignupOutcome, Store};

use crate::fixtures::*;

contract! {
    the_store_is_ready_once_open,
    a_new_address_gets_one_confirmation_queued,
    a_repeat_within_the_interval_queues_no_second_confirmation,
    a_repeat_after_the_interval_supersedes_the_queued_confirmation,
    the_confirmation_interval_counts_across_lists,
    a_confirmed_person_signing_up_again_is_told_apart_and_gets_nothing,
    an_erased_address_signing_up_again_gets_a_new_id_and_no_confirmation_within_the_interval,
    the_confirmation_link_is_the_latest_one_mailed,
    tokens_point_at_their_person_and_unknown_ones_at_nothing,
    confirming_records_consent_and_queues_the_welcome_with_a_manage_link,
    confirming_twice_is_harmless,
    an_expired_confirmation_link_confirms_no_one,
    an_old_link_does_not_bring_back_someone_who_unsubscribed_but_a_new_signup_does,
    places_in_line_follow_the_order_of_confirmation,
    a_referral_who_confirms_moves_the_referrer_up_once_per_inbox,
    a_referrer_on_another_list_is_not_recorded,
    the_language_of_the_signup_goes_with_every_mail_and_link,
}

async fn the_store_is_ready_once_open(store: Arc<dyn Store>) {
    store.ready().await.unwrap();
}

async fn a_new_address_gets_one_confirmation_queued(store: Arc<dyn Store>) {
    let outcome = store.record_signup(signup(LIST, 1, T0)).await.unwrap();
    let SignupOutcome::ConfirmationQueued { subscriber_id } = outcome else {
        panic!("{outcome:?}");
    };
    let person = store.subscriber(subscriber_id).await.unwrap().unwrap();
    assert_eq!(person.list, LIST);
    assert_eq!(person.status, Status::Pending);
    assert_eq!(person.email_index, index(1).to_vec());
    assert_eq!(person.email_sealed, sealed(1));
    assert_eq!(person.name_sealed, Some(b"name-1".to_vec()));
    assert_eq!(person.signed_up_at, T0);
    assert_eq!(person.confirmed_at, None);
    assert_eq!(person.place_in_line, None);
    assert!(person.consents.is_empty(), "no consent before confirming");
    assert_eq!(
        mail_states(&store, subscriber_id, "confirmation").await,
        ["queued"]
    );
    assert_eq!(person.mails.len(), 1);
}

async fn a_repeat_within_the_interval_queues_no_second_confirmation(store: Arc<dyn Store>) {
    let id = sign_up(&store, LIST, 1, T0).await;
    assert_eq!(send_all(&store, T0 + 1).await.len(), 1);
    let again = store
        .record_signup(signup(LIST, 1, T0 + 23 * HOUR))
        .await
        .unwrap();
    assert_eq!(again, SignupOutcome::Throttled { subscriber_id: id });
    assert_eq!(mail_states(&store, id, "confirmation").await, ["sent"]);
    assert!(send_all(&store, T0 + 23 * HOUR).await.is_empty());
}

async fn a_repeat_after_the_interval_supersedes_the_queued_confirmation(store: Arc<dyn Store>) {
    let id = sign_up(&store, LIST, 1, T0).await;
    // Never sent (an outage), and a day later the person tries again: one mail, not two.
    let again = store
        .record_signup(signup(LIST, 1, T0 + DAY + 1))
        .await
        .unwrap();
    assert_eq!(
        again,
        SignupOutcome::ConfirmationQueued { subscriber_id: id }
    );
    assert_eq!(
        mail_states(&store, id, "confirmation").await,
        ["skipped", "queued"]
    );
    assert_eq!(send_all(&store, T0 + DAY + 2).await.len(), 1);
}

async fn the_confirmation_interval_counts_across_lists(store: Arc<dyn Store>) {
    let first = sign_up(&store, LIST, 1, T0).await;
    let outcome = store
        .record_signup(signup(OTHER, 1, T0 + HOUR))
        .await
        .unwrap();
    let SignupOutcome::Throttled { subscriber_id } = outcome else {
        panic!("{outcome:?}");
    };
    assert_ne!(subscriber_id, first, "one person per list");
    assert!(
        mail_states(&store, subscriber_id, "confirmation")
            .await
            .is_empty()
    );
}

async fn a_confirmed_person_signing_up_again_is_told_apart_and_gets_nothing(store: Arc<dyn Store>) {
    let id = confirmed(&store, LIST, 1, T0).await;
    let again = store
        .record_signup(signup(LIST, 1, T0 + 3 * DAY))
        .await
        .unwrap();
    assert_eq!(again, SignupOutcome::AlreadyConsented { subscriber_id: id });
    assert_eq!(mail_states(&store, id, "confirmation").await, ["queued"]);
    assert_eq!(status(&store, id).await, Some(Status::Confirmed));
}

async fn an_erased_address_signing_up_again_gets_a_new_id_and_no_confirmation_within_the_interval(
    store: Arc<dyn Store>,
) {
    let old = sign_up(&store, LIST, 1, T0).await;
    send_all(&store, T0 + 1).await;
    store.erase(old, "cli".into(), T0 + 2).await.unwrap();
    let outcome = store
        .record_signup(signup(LIST, 1, T0 + HOUR))
        .await
        .unwrap();
    let SignupOutcome::Throttled { subscriber_id } = outcome else {
        panic!("erasure reset the confirmation limit: {outcome:?}");
    };
    assert!(subscriber_id > old, "id {subscriber_id} reused after {old}");
    // A day later the address may get its confirmation again.
    let later = store
        .record_signup(signup(LIST, 1, T0 + DAY + 2))
        .await
        .unwrap();
    assert_eq!(later, SignupOutcome::ConfirmationQueued { subscriber_id });
}

async fn the_confirmation_link_is_the_latest_one_mailed(store: Arc<dyn Store>) {
    let first = signup(LIST, 1, T0);
    let first_seed = first.confirm_token.seed;
    let id = subscriber_id(store.record_signup(first).await.unwrap());
    let link = store.confirmation_token(id).await.unwrap().unwrap();
    assert_eq!(link.id, id);
    assert_eq!(link.subscriber_id, id);
    assert_eq!(link.purpose, TokenPurpose::Confirm);
    assert_eq!(link.seed, first_seed.to_vec());
    assert_eq!(link.expires_at, T0 + CONFIRM_TTL);
    assert_eq!(link.status, Status::Pending);

    // Within the interval no new mail goes, so the link stays the one mailed.
    store
        .record_signup(signup(LIST, 1, T0 + HOUR))
        .await
        .unwrap();
    let link = store.confirmation_token(id).await.unwrap().unwrap();
    assert_eq!(link.seed, first_seed.to_vec());

    let later = signup(LIST, 1, T0 + DAY + 1);
    let later_seed = later.confirm_token.seed;
    store.record_signup(later).await.unwrap();
    let link = store.confirmation_token(id).await.unwrap().unwrap();
    assert_eq!(link.seed, later_seed.to_vec());
    assert_eq!(link.expires_at, T0 + DAY + 1 + CONFIRM_TTL);
    assert!(store.confirmation_token(id + 1000).await.unwrap().is_none());
}

async fn tokens_point_at_their_person_and_unknown_ones_at_nothing(store: Arc<dyn Store>) {
    let id = sign_up(&store, LIST, 1, T0).await;
    let c = confirmation(id, T0 + 1);
    let seed = c.manage_token.seed;
    let ConfirmOutcome::Confirmed {
        manage_token_id, ..
    } = store.confirm(c).await.unwrap()
    else {
        panic!("not confirmed");
    };
    let token = store.token(manage_token_id).await.unwrap().unwrap();
    assert_eq!(token.id, manage_token_id);
    assert_eq!(token.subscriber_id, id);
    assert_eq!(token.list, LIST);
    assert_eq!(token.status, Status::Confirmed);
    assert_eq!(token.purpose, TokenPurpose::Manage);
    assert_eq!(token.seed, seed.to_vec());
    assert_eq!(token.expires_at, T0 + 1 + 30 * DAY);
    assert_eq!(token.used_at, None);
    assert!(store.token(manage_token_id + 1000).await.unwrap().is_none());
}

async fn confirming_records_consent_and_queues_the_welcome_with_a_manage_link(
    store: Arc<dyn Store>,
) {
    let id = sign_up(&store, LIST, 1, T0).await;
    let outcome = confirm(&store, id, T0 + HOUR).await;
    let ConfirmOutcome::Confirmed {
        subscriber_id,
        list,
        manage_token_id,
    } = outcome
    else {
        panic!("{outcome:?}");
    };
    assert_eq!((subscriber_id, list.as_str()), (id, LIST));
    let person = store.subscriber(id).await.unwrap().unwrap();
    assert_eq!(person.status, Status::Confirmed);
    assert_eq!(person.confirmed_at, Some(T0 + HOUR));
    assert_eq!(person.place_in_line, Some(1));
    assert_eq!(person.consents.len(), 1);
    let consent = &person.consents[0];
    assert_eq!(consent.list, LIST);
    assert_eq!(consent.form, "report:contract");
    assert_eq!(consent.text_hash, "c0ffee");
    assert_eq!(consent.text, "I agree to get mail about the course.");
    assert_eq!(consent.client_ip.as_deref(), Some("192.0.2.0/24"));
    assert_eq!(consent.submitted_at, T0);
    assert_eq!(consent.confirmed_at, T0 + HOUR);
    assert_eq!(mail_states(&store, id, "welcome").await, ["queued"]);

    // The welcome carries the manage link and the place in line.
    let jobs = send_all(&store, T0 + HOUR + 1).await;
    let welcome = jobs
        .iter()
        .find(|j| j.kind == quietlist::store::MailKind::Welcome)
        .expect("the welcome mail is claimed");
    let MailToken {
        purpose,
        id: token_id,
        ..
    } = welcome.token.clone().expect("a manage link");
    assert_eq!((purpose, token_id), (TokenPurpose::Manage, manage_token_id));
    assert_eq!(welcome.place_in_line, Some(1));
}

async fn confirming_twice_is_harmless(store: Arc<dyn Store>) {
    let id = sign_up(&store, LIST, 1, T0).await;
    confirm(&store, id, T0 + 1).await;
    let again = confirm(&store, id, T0 + 2).await;
    assert_eq!(
        again,
        ConfirmOutcome::AlreadyConfirmed {
            subscriber_id: id,
            list: LIST.into()
        }
    );
    let person = store.subscriber(id).await.unwrap().unwrap();
    assert_eq!(person.consents.len(), 1);
    assert_eq!(person.confirmed_at, Some(T0 + 1));
    assert_eq!(mail_states(&store, id, "welcome").await, ["queued"]);
}

async fn an_expired_confirmation_link_confirms_no_one(store: Arc<dyn Store>) {
    let id = sign_up(&store, LIST, 1, T0).await;
    let outcome = confirm(&store, id, T0 + CONFIRM_TTL + 1).await;
    assert_eq!(outcome, ConfirmOutcome::Expired { list: LIST.into() });
    assert_eq!(status(&store, id).await, Some(Status::Pending));
    assert_eq!(
        confirm(&store, id + 1000, T0).await,
        ConfirmOutcome::Unknown
    );
}

async fn an_old_link_does_not_bring_back_someone_who_unsubscribed_but_a_new_signup_does(
    store: Arc<dyn Store>,
) {
    let id = confirmed(&store, LIST, 1, T0).await;
    store.unsubscribe(id, T0 + HOUR).await.unwrap();
    let outcome = confirm(&store, id, T0 + 2 * HOUR).await;
    assert_eq!(outcome, ConfirmOutcome::Expired { list: LIST.into() });
    assert_eq!(status(&store, id).await, Some(Status::Unsubscribed));

    let again = store
        .record_signup(signup(LIST, 1, T0 + 2 * DAY))
        .await
        .unwrap();
    assert_eq!(
        again,
        SignupOutcome::ConfirmationQueued { subscriber_id: id }
    );
    let outcome = confirm(&store, id, T0 + 2 * DAY + 1).await;
    assert!(
        matches!(outcome, ConfirmOutcome::Confirmed { .. }),
        "{outcome:?}"
    );
    let person = store.subscriber(id).await.unwrap().unwrap();
    assert_eq!(person.status, Status::Confirmed);
    assert_eq!(person.consents.len(), 2, "each confirmation is recorded");
}

async fn places_in_line_follow_the_order_of_confirmation(store: Arc<dyn Store>) {
    // Signed up in one order, confirmed in another: the line is by confirmation.
    let a = sign_up(&store, LIST, 1, T0).await;
    let b = sign_up(&store, LIST, 2, T0 + 1).await;
    let c = sign_up(&store, LIST, 3, T0 + 2).await;
    let pending = sign_up(&store, LIST, 4, T0 + 3).await;
    let elsewhere = confirmed(&store, OTHER, 5, T0 + 4).await;
    confirm(&store, c, T0 + 10).await;
    confirm(&store, a, T0 + 11).await;
    confirm(&store, b, T0 + 12).await;
    let places = [c, a, b].map(|id| store.place_in_line(id));
    let mut got = Vec::new();
    for p in places {
        got.push(p.await.unwrap());
    }
    assert_eq!(got, [Some(1), Some(2), Some(3)]);
    assert_eq!(store.place_in_line(pending).await.unwrap(), None);
    assert_eq!(store.place_in_line(elsewhere).await.unwrap(), Some(1));
    assert_eq!(store.place_in_line(9_999).await.unwrap(), None);

    store.unsubscribe(c, T0 + 20).await.unwrap();
    assert_eq!(store.place_in_line(c).await.unwrap(), None);
    assert_eq!(store.place_in_line(a).await.unwrap(), Some(1));
    assert_eq!(store.place_in_line(b).await.unwrap(), Some(2));
}

async fn a_referral_who_confirms_moves_the_referrer_up_once_per_inbox(store: Arc<dyn Store>) {
    let mut ids = Vec::new();
    for who in 1..=4 {
        ids.push(confirmed(&store, LIST, who, T0 + i64::from(who)).await);
    }
    let referrer = ids[3];
    assert_eq!(store.place_in_line(referrer).await.unwrap(), Some(4));

    let referred = |who: u32, referral_index: [u8; 32], now| {
        let mut s = signup(LIST, who, now);
        s.referred_by = Some(referrer);
        s.referral_index = referral_index;
        s
    };
    let e = subscriber_id(
        store
            .record_signup(referred(5, index(5), T0 + 10))
            .await
            .unwrap(),
    );
    assert_eq!(
        store.subscriber(e).await.unwrap().unwrap().referred_by,
        Some(referrer)
    );
    // Pending referrals move no one.
    assert_eq!(store.place_in_line(referrer).await.unwrap(), Some(4));
    confirm(&store, e, T0 + 11).await;
    // Boost 2: from 4th to 2nd, just ahead of the one who was 2nd.
    assert_eq!(store.place_in_line(referrer).await.unwrap(), Some(2));
    assert_eq!(store.place_in_line(ids[1]).await.unwrap(), Some(3));
    assert_eq!(store.place_in_line(e).await.unwrap(), Some(5));

    // The same inbox under another spelling, and the referrer's own inbox: no move.
    let f = subscriber_id(
        store
            .record_signup(referred(6, index(5), T0 + 12))
            .await
            .unwrap(),
    );
    confirm(&store, f, T0 + 13).await;
    let g = subscriber_id(
        store
            .record_signup(referred(7, index(4), T0 + 14))
            .await
            .unwrap(),
    );
    confirm(&store, g, T0 + 15).await;
    assert_eq!(store.place_in_line(referrer).await.unwrap(), Some(2));
    let page = store.people_page(LIST, None, None, 100).await.unwrap();
    let credits = page
        .iter()
        .find(|p| p.id == referrer)
        .unwrap()
        .referral_credits;
    assert_eq!(credits, 1);
}

async fn a_referrer_on_another_list_is_not_recorded(store: Arc<dyn Store>) {
    let elsewhere = confirmed(&store, OTHER, 1, T0).await;
    let mut s = signup(LIST, 2, T0 + 1);
    s.referred_by = Some(elsewhere);
    let id = subscriber_id(store.record_signup(s).await.unwrap());
    assert_eq!(
        store.subscriber(id).await.unwrap().unwrap().referred_by,
        None
    );
}

/// The form's language is stored with the person: every mail claimed for them and their
/// confirmation link carry it; a later signup in another language, before confirming,
/// takes its place, like the rest of the form.
async fn the_language_of_the_signup_goes_with_every_mail_and_link(store: Arc<dyn Store>) {
    let mut german = signup(LIST, 1, T0);
    german.language = "de".into();
    let id = subscriber_id(store.record_signup(german).await.unwrap());
    let jobs = send_all(&store, T0 + 1).await;
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].language.as_deref(), Some("de"));
    let link = store.confirmation_token(id).await.unwrap().unwrap();
    assert_eq!(link.language.as_deref(), Some("de"));

    let english_again = signup(LIST, 1, T0 + DAY + 1);
    store.record_signup(english_again).await.unwrap();
    let link = store.confirmation_token(id).await.unwrap().unwrap();
    assert_eq!(link.language.as_deref(), Some("en"));

    // Confirmed: the welcome (with its manage link) is in the language too.
    confirm(&store, id, T0 + DAY + 2).await;
    let welcome = send_all(&store, T0 + DAY + 3)
        .await
        .into_iter()
        .find(|j| j.kind == quietlist::store::MailKind::Welcome)
        .unwrap();
    assert_eq!(welcome.language.as_deref(), Some("en"));
    let manage = welcome.token.unwrap();
    let row = store.token(manage.id).await.unwrap().unwrap();
    assert_eq!(row.language.as_deref(), Some("en"));
}
