//! Cohorts and invitations: the next in line, seats, answers, expiry, and races.

use std::collections::HashSet;
use std::sync::Arc;

use quietlist::domain::{Status, TokenPurpose};
use quietlist::store::{
    DAY, InvitationInfo, InvitationMail, InviteReport, InviteRequest, InviteResponse, MailKind,
    MailToken, Millis, Store,
};

use crate::fixtures::*;

contract! {
    cohorts_are_created_then_updated_and_kept_per_list,
    invite_next_invites_the_next_in_line_up_to_the_free_seats,
    overbooking_invites_more_but_acceptances_never_exceed_capacity,
    parallel_invitations_never_invite_more_than_the_free_seats,
    parallel_acceptances_never_exceed_capacity,
    an_invitation_is_answered_once_and_not_after_it_expired,
    expiring_invitations_frees_their_seats_for_the_next_in_line,
    someone_at_the_cap_is_held_back_and_keeps_their_place,
    unsubscribing_closes_an_open_invitation,
}

const INVITE_TTL: Millis = 7 * DAY;

fn invite(cohort: &str, count: u32, overbook: bool, now: Millis) -> InviteRequest {
    InviteRequest {
        list: LIST.into(),
        cohort: cohort.into(),
        count,
        overbook,
        now,
        expires_at: now + INVITE_TTL,
        cap: CAP,
        cap_window: CAP_WINDOW,
        all_lists: all_lists(),
    }
}

/// `n` people confirmed on LIST in order (who = 1..=n); their ids.
async fn line(store: &Arc<dyn Store>, n: u32) -> Vec<i64> {
    let mut ids = Vec::new();
    for who in 1..=n {
        ids.push(confirmed(store, LIST, who, T0 + i64::from(who)).await);
    }
    ids
}

/// Sends every due mail; the invitations' (person, token id).
async fn invitations_sent(store: &Arc<dyn Store>, now: Millis) -> Vec<(i64, i64)> {
    send_all_with(store, claim_with(now, 1000, 10_000))
        .await
        .into_iter()
        .filter(|j| j.kind == MailKind::Invite)
        .map(|j| {
            let MailToken {
                purpose,
                id: token_id,
                ..
            } = j.token.expect("an invitation has a link");
            assert_eq!(purpose, TokenPurpose::Invite);
            (j.subscriber_id, token_id)
        })
        .collect()
}

async fn cohort(store: &Arc<dyn Store>, name: &str) -> quietlist::store::CohortRow {
    store
        .cohorts(LIST)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.name == name)
        .expect("the cohort exists")
}

async fn cohorts_are_created_then_updated_and_kept_per_list(store: Arc<dyn Store>) {
    let start = Some("2027-03-01".to_owned());
    store
        .ensure_cohort(LIST, "spring", 10, start.clone(), T0)
        .await
        .unwrap();
    store
        .ensure_cohort(LIST, "autumn", 5, None, T0)
        .await
        .unwrap();
    store
        .ensure_cohort(LIST, "spring", 12, None, T0 + 1)
        .await
        .unwrap();
    store
        .ensure_cohort(OTHER, "spring", 3, start.clone(), T0)
        .await
        .unwrap();
    let cohorts = store.cohorts(LIST).await.unwrap();
    let got: Vec<_> = cohorts
        .iter()
        .map(|c| {
            (
                c.list.as_str(),
                c.name.as_str(),
                c.capacity,
                c.starts.clone(),
            )
        })
        .collect();
    assert_eq!(got, [(LIST, "spring", 12, None), (LIST, "autumn", 5, None)]);
    assert!(cohorts.iter().all(|c| c.accepted == 0 && c.open == 0));
    assert_eq!(cohorts[0].free_seats(), 12);
    let other = store.cohorts(OTHER).await.unwrap();
    assert_eq!(other.len(), 1);
    assert_eq!((other[0].capacity, other[0].starts.clone()), (3, start));
    assert!(store.cohorts(THIRD).await.unwrap().is_empty());
}

async fn invite_next_invites_the_next_in_line_up_to_the_free_seats(store: Arc<dyn Store>) {
    let ids = line(&store, 5).await;
    let pending = sign_up(&store, LIST, 6, T0).await;
    let start = Some("2027-03-01".to_owned());
    store
        .ensure_cohort(LIST, "spring", 3, start.clone(), T0)
        .await
        .unwrap();
    let now = T0 + DAY;
    let report = store
        .invite_next(invite("spring", 5, false, now))
        .await
        .unwrap();
    assert_eq!(
        report,
        Some(InviteReport {
            invited: 3,
            held_back: 0,
            undeliverable: 0,
            free_seats_before: 3,
            waiting_before: 5,
        })
    );
    for (i, id) in ids.iter().enumerate() {
        let expected = if i < 3 {
            Status::Invited
        } else {
            Status::Confirmed
        };
        assert_eq!(status(&store, *id).await, Some(expected), "person {i}");
    }
    assert_eq!(status(&store, pending).await, Some(Status::Pending));
    assert_eq!(store.place_in_line(ids[3]).await.unwrap(), Some(1));
    let spring = cohort(&store, "spring").await;
    assert_eq!(
        (spring.accepted, spring.open, spring.free_seats()),
        (0, 3, 0)
    );

    let jobs = send_all_with(&store, claim_with(now, 1000, 10_000)).await;
    let invites: Vec<_> = jobs.iter().filter(|j| j.kind == MailKind::Invite).collect();
    assert_eq!(invites.len(), 3);
    for job in invites {
        assert!(ids[..3].contains(&job.subscriber_id));
        assert_eq!(
            job.invitation,
            Some(InvitationMail {
                cohort: "spring".to_owned(),
                starts: start.clone(),
                expires_at: now + INVITE_TTL
            })
        );
        let token_id = job.token.clone().unwrap().id;
        assert_eq!(
            store.invitation(token_id).await.unwrap(),
            Some(InvitationInfo {
                list: LIST.into(),
                cohort: "spring".into(),
                state: "invited".into(),
                starts: start.clone()
            })
        );
    }
    let full = store
        .invite_next(invite("spring", 5, false, now + 1))
        .await
        .unwrap();
    assert_eq!(full.map(|r| (r.invited, r.free_seats_before)), Some((0, 0)));
    assert_eq!(
        store
            .invite_next(invite("winter", 1, false, now))
            .await
            .unwrap(),
        None
    );
    assert_eq!(store.invitation(987_654).await.unwrap(), None);
}

async fn overbooking_invites_more_but_acceptances_never_exceed_capacity(store: Arc<dyn Store>) {
    let ids = line(&store, 4).await;
    store
        .ensure_cohort(LIST, "spring", 2, None, T0)
        .await
        .unwrap();
    let report = store
        .invite_next(invite("spring", 4, true, T0 + DAY))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((report.invited, report.free_seats_before), (4, 2));
    let mut sent = invitations_sent(&store, T0 + DAY).await;
    sent.sort();
    let mut answers = Vec::new();
    for (_, token_id) in &sent {
        answers.push(
            store
                .respond_to_invitation(*token_id, true, T0 + DAY + 1)
                .await
                .unwrap(),
        );
    }
    let accepted = InviteResponse::Accepted {
        list: LIST.into(),
        cohort: "spring".into(),
    };
    let full = InviteResponse::Full {
        list: LIST.into(),
        cohort: "spring".into(),
    };
    assert_eq!(answers, [accepted.clone(), accepted, full.clone(), full]);
    assert_eq!(status(&store, ids[0]).await, Some(Status::Accepted));
    // Those who found it full are back in line, in their old order.
    assert_eq!(store.place_in_line(ids[2]).await.unwrap(), Some(1));
    assert_eq!(store.place_in_line(ids[3]).await.unwrap(), Some(2));
    let spring = cohort(&store, "spring").await;
    assert_eq!((spring.accepted, spring.open), (2, 0));
}

async fn parallel_invitations_never_invite_more_than_the_free_seats(store: Arc<dyn Store>) {
    line(&store, 20).await;
    store
        .ensure_cohort(LIST, "spring", 5, None, T0)
        .await
        .unwrap();
    let calls: Vec<_> = (0..20)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .invite_next(invite("spring", 1, false, T0 + DAY))
                    .await
            })
        })
        .collect();
    let mut invited = 0;
    for call in calls {
        invited += call.await.unwrap().unwrap().unwrap().invited;
    }
    assert_eq!(invited, 5, "capacity 5");
    let spring = cohort(&store, "spring").await;
    assert_eq!(spring.open, 5);
    let sent = invitations_sent(&store, T0 + DAY).await;
    let people: HashSet<i64> = sent.iter().map(|(id, _)| *id).collect();
    assert_eq!(people.len(), 5, "no one is invited twice");
}

async fn parallel_acceptances_never_exceed_capacity(store: Arc<dyn Store>) {
    line(&store, 20).await;
    store
        .ensure_cohort(LIST, "spring", 5, None, T0)
        .await
        .unwrap();
    store
        .invite_next(invite("spring", 20, true, T0 + DAY))
        .await
        .unwrap();
    let sent = invitations_sent(&store, T0 + DAY).await;
    assert_eq!(sent.len(), 20);
    let answers: Vec<_> = sent
        .into_iter()
        .map(|(_, token_id)| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .respond_to_invitation(token_id, true, T0 + DAY + 1)
                    .await
            })
        })
        .collect();
    let mut accepted = 0;
    for answer in answers {
        match answer.await.unwrap().unwrap() {
            InviteResponse::Accepted { .. } => accepted += 1,
            InviteResponse::Full { .. } => {}
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(accepted, 5, "capacity 5");
    assert_eq!(cohort(&store, "spring").await.accepted, 5);
}

async fn an_invitation_is_answered_once_and_not_after_it_expired(store: Arc<dyn Store>) {
    let ids = line(&store, 2).await;
    store
        .ensure_cohort(LIST, "spring", 5, None, T0)
        .await
        .unwrap();
    store
        .invite_next(invite("spring", 2, false, T0 + DAY))
        .await
        .unwrap();
    let sent = invitations_sent(&store, T0 + DAY).await;
    let token_of = |id: i64| sent.iter().find(|(p, _)| *p == id).unwrap().1;
    let (first, second) = (token_of(ids[0]), token_of(ids[1]));

    let declined = store
        .respond_to_invitation(first, false, T0 + DAY + 1)
        .await
        .unwrap();
    assert_eq!(
        declined,
        InviteResponse::Declined {
            list: LIST.into(),
            cohort: "spring".into()
        }
    );
    assert_eq!(status(&store, ids[0]).await, Some(Status::Declined));
    assert_eq!(
        store
            .respond_to_invitation(first, true, T0 + DAY + 2)
            .await
            .unwrap(),
        InviteResponse::AlreadyAnswered {
            list: LIST.into(),
            cohort: "spring".into(),
            state: "declined".into()
        }
    );
    let late = T0 + DAY + INVITE_TTL + 1;
    assert_eq!(
        store
            .respond_to_invitation(second, true, late)
            .await
            .unwrap(),
        InviteResponse::Expired {
            list: LIST.into(),
            cohort: "spring".into()
        }
    );
    assert_eq!(status(&store, ids[1]).await, Some(Status::Expired));
    assert_eq!(
        store.invitation(second).await.unwrap().map(|i| i.state),
        Some("expired".into())
    );
    assert_eq!(
        store
            .respond_to_invitation(987_654, true, late)
            .await
            .unwrap(),
        InviteResponse::Unknown
    );
    let spring = cohort(&store, "spring").await;
    assert_eq!((spring.accepted, spring.open), (0, 0));
}

async fn expiring_invitations_frees_their_seats_for_the_next_in_line(store: Arc<dyn Store>) {
    let ids = line(&store, 4).await;
    store
        .ensure_cohort(LIST, "spring", 2, None, T0)
        .await
        .unwrap();
    let now = T0 + DAY;
    store
        .invite_next(invite("spring", 2, false, now))
        .await
        .unwrap();
    assert_eq!(store.expire_invitations(now + INVITE_TTL).await.unwrap(), 0);
    assert_eq!(
        store
            .expire_invitations(now + INVITE_TTL + 1)
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        store
            .expire_invitations(now + INVITE_TTL + 2)
            .await
            .unwrap(),
        0
    );
    assert_eq!(status(&store, ids[0]).await, Some(Status::Expired));
    assert_eq!(status(&store, ids[1]).await, Some(Status::Expired));
    assert_eq!(cohort(&store, "spring").await.open, 0);
    let report = store
        .invite_next(invite("spring", 2, false, now + INVITE_TTL + 3))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((report.invited, report.free_seats_before), (2, 2));
    assert_eq!(status(&store, ids[2]).await, Some(Status::Invited));
    assert_eq!(status(&store, ids[3]).await, Some(Status::Invited));
}

async fn someone_at_the_cap_is_held_back_and_keeps_their_place(store: Arc<dyn Store>) {
    let first = sign_up(&store, LIST, 1, T0).await;
    send_all(&store, T0).await;
    confirm(&store, first, T0 + 1).await;
    send_all(&store, T0 + 1).await; // two mails to person 1
    let second = confirmed(&store, LIST, 2, T0 + 2).await;
    store
        .ensure_cohort(LIST, "spring", 5, None, T0)
        .await
        .unwrap();
    let mut request = invite("spring", 1, false, T0 + 3);
    request.cap = 2;
    let report = store.invite_next(request).await.unwrap().unwrap();
    assert_eq!((report.invited, report.held_back), (1, 1));
    assert_eq!(status(&store, first).await, Some(Status::Confirmed));
    assert_eq!(store.place_in_line(first).await.unwrap(), Some(1));
    assert_eq!(status(&store, second).await, Some(Status::Invited));
}

async fn unsubscribing_closes_an_open_invitation(store: Arc<dyn Store>) {
    let ids = line(&store, 1).await;
    store
        .ensure_cohort(LIST, "spring", 1, None, T0)
        .await
        .unwrap();
    store
        .invite_next(invite("spring", 1, false, T0 + DAY))
        .await
        .unwrap();
    let sent = invitations_sent(&store, T0 + DAY).await;
    store.unsubscribe(ids[0], T0 + DAY + 1).await.unwrap();
    assert_eq!(
        cohort(&store, "spring").await.open,
        0,
        "the seat is free again"
    );
    assert_eq!(
        store
            .respond_to_invitation(sent[0].1, true, T0 + DAY + 2)
            .await
            .unwrap(),
        InviteResponse::AlreadyAnswered {
            list: LIST.into(),
            cohort: "spring".into(),
            state: "declined".into()
        }
    );
    assert_eq!(status(&store, ids[0]).await, Some(Status::Unsubscribed));
}
