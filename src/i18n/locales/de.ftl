# Deutsch: alle Texte der Seiten, Formulare, Fehlerseiten und Mails. Anrede: „Sie“.
# Gleiche Schlüssel wie en.ftl (tests/api/catalogue.rs prüft das).

## Jede Seite
feed-title = { $site }: Berichte
skip-to-content = Zum Inhalt springen
privacy-link = Was wir speichern und warum
back-home = Zurück zur Startseite
go-home = Zur Startseite
courses-heading = Kurse
reports-heading = Berichte
join-the-waitlist = Auf die Warteliste
kind-course = Kurs
kind-report = Bericht
by-authors = Von { $authors }
contents = Inhalt
about-the-course = Über den Kurs
place-in-line = Ihr Platz in der Warteliste:
unsubscribe = Abmelden
see-download-erase = Ihre Daten ansehen, herunterladen oder löschen
confirm-my-place = Meinen Platz bestätigen
take-my-seat = Platz annehmen

## Das Formular der Warteliste
check-the-form = Bitte prüfen Sie das Formular
form-check-highlighted = Bitte prüfen Sie das markierte Feld.
form-email = E-Mail-Adresse
form-name = Name
form-optional = (freiwillig)
form-choose = Bitte wählen…
form-leave-empty = Dieses Feld bitte leer lassen
form-how-we-keep-it = Wie wir dieses Versprechen halten

## Was das Formular zu einem falschen Feld sagt
email-empty = Bitte geben Sie Ihre E-Mail-Adresse ein.
email-too-long = Diese Adresse ist zu lang (höchstens 254 Zeichen).
email-no-at = Eine E-Mail-Adresse enthält genau ein @, etwa name@example.com.
email-bad-local = Der Teil vor dem @ ist ungültig.
email-bad-domain = Der Teil nach dem @ ist keine gültige Domain wie example.com.
email-throwaway = Adressen bei { $domain } sind Wegwerfadressen; bitte verwenden Sie eine Adresse, die Sie behalten.
name-too-long = Namen dürfen höchstens 100 Zeichen lang sein.
name-bad-characters = Der Name enthält unzulässige Zeichen.
field-required = Bitte beantworten Sie diese Frage.
field-bad-characters = Diese Antwort enthält unzulässige Zeichen.
field-too-long = Bitte bleiben Sie unter { $max } Zeichen.
field-not-an-option = Bitte wählen Sie eine der angebotenen Antworten.

## Nach dem Absenden
inbox-heading = Bitte sehen Sie in Ihr Postfach
inbox-mail-on-its-way = Wenn diese Adresse auf die Warteliste für { $list } kann, ist eine Mail mit einem Bestätigungslink unterwegs. Öffnen Sie sie und drücken Sie den Knopf, um Ihren Platz einzunehmen.
inbox-nothing-until-confirmed = Bis Sie bestätigen, geschieht nichts: keine weitere Mail, keine Liste. Der Link gilt { $hours } Stunden.
inbox-no-mail = Nach ein paar Minuten noch keine Mail? Sehen Sie im Spam-Ordner nach. An jede Adresse schicken wir höchstens eine Bestätigungsmail pro Tag.

## Bestätigen
confirm-heading = Platz bestätigen
confirm-press-the-button = Drücken Sie den Knopf, um Ihre Adresse zu bestätigen und auf die Warteliste für { $list } zu kommen.
confirmed-heading = Sie stehen auf der Warteliste
confirmed-already-heading = Sie hatten schon bestätigt
confirmed-thanks = Vielen Dank. Sie stehen auf der Warteliste für { $list }.
confirmed-no-longer-waiting = Sie warten nicht mehr auf einen Platz in diesem Kurs.
confirmed-we-will-write = Wir schreiben Ihnen, sobald ein Platz für Sie frei wird.
confirmed-manage-link = Alles ansehen, was wir über Sie speichern, es herunterladen, sich abmelden oder es löschen
confirmed-same-link-in-mail = Denselben Link finden Sie in der Willkommensmail.

## Abmelden und die eigenen Daten
unsubscribed-title = Abgemeldet
unsubscribed-heading = Sie sind abgemeldet
unsubscribed-no-more-mail = Sie bekommen von uns keine Mail mehr zu { $list }.
unsubscribed-no-more-mail-already = Sie bekommen von uns keine Mail mehr zu { $list } (Sie hatten sich schon abgemeldet).
unsubscribed-record-stays = Ihr Eintrag bleibt, bis Sie ihn löschen, damit wir wissen, dass wir Ihnen nicht schreiben sollen.
unsubscribed-see-or-erase = Ihre Daten ansehen oder löschen
unsubscribed-ask-for-link = Um ihn zu löschen, fordern Sie unter { $link } einen Link an.
unsubscribe-press-the-button = Drücken Sie den Knopf, und Sie bekommen von uns keine Mail mehr zu { $list }.
manage-request-heading = Ihre Daten verwalten
manage-request-sent = Wenn diese Adresse auf einer unserer Wartelisten steht, ist eine Mail mit einem Link zu Ihren Daten unterwegs. Der Link gilt 30 Tage.
manage-request-intro = Geben Sie die Adresse ein, mit der Sie sich eingetragen haben. Steht sie auf einer unserer Wartelisten, schicken wir Ihnen einen Link, unter dem Sie alles sehen, was wir über Sie speichern, es herunterladen, sich abmelden oder es löschen können.
manage-request-button = Link zuschicken
manage-title = Ihre Daten
manage-heading = Alles, was wir über Sie speichern
manage-intro = Für die Warteliste { $list }. Ihre Adresse und Ihr Name sind verschlüsselt gespeichert; niemand hat sie je gekauft oder bekommen.
manage-no-name = (nicht angegeben)
manage-status = Status
manage-place = Platz in der Warteliste
manage-signed-up = Eingetragen
manage-confirmed = Bestätigt
manage-unsubscribed = Abgemeldet
manage-consent-heading = Ihre Einwilligung
manage-consent = Am { $confirmed } haben Sie das Formular bestätigt, das Sie am { $submitted } abgeschickt hatten ({ $form }).
manage-consent-from-network = Am { $confirmed } haben Sie das Formular bestätigt, das Sie am { $submitted } abgeschickt hatten ({ $form }, aus dem Netz { $network }).
manage-consent-agreed = Sie haben zugestimmt:
manage-consent-version = (Fassung { $version })
manage-no-consent = Keine Einwilligung gespeichert.
manage-mail-heading = Mails, die wir Ihnen geschickt haben
manage-no-mail = Keine.
manage-actions-heading = Was Sie tun können
manage-download = Meine Daten herunterladen (JSON)
manage-erase-confirm = Ich möchte, dass alles über mich gelöscht wird. Das lässt sich nicht rückgängig machen.
manage-erase-button = Alles löschen
manage-erase-tick-the-box = Kreuzen Sie das Kästchen an, um zu bestätigen, dass alles gelöscht werden soll.
erased-heading = Alles über Sie ist gelöscht
erased-what-went = Ihre Adresse, Ihr Name, Ihre Antworten, Ihr Platz in der Warteliste, Ihre Links und die Aufzeichnung der Mails, die wir Ihnen geschickt haben, sind gelöscht.
erased-what-stays = Wir behalten nur einen nicht umkehrbaren Hash mit geheimem Schlüssel Ihrer Adresse, damit sie ohne Ihre erneute Bestätigung nicht wieder eingetragen werden kann.

## Die Datenschutzseite
privacy-intro = Diese Website läuft mit quietlist, das dieses Versprechen im Code hält, nicht nur in diesem Text. Das tut es im Einzelnen:
privacy-never-spam = Wir schicken nie Spam
privacy-one-confirmation = Bevor Sie bestätigen, bekommen Sie eine einzige Mail: die Bestätigung. Wie oft eine Adresse auch eingegeben wird, sie bekommt höchstens alle { $hours } Stunden eine Bestätigungsmail.
privacy-after-confirming = Nach der Bestätigung: eine Willkommensmail mit Ihrem Platz in der Warteliste und eine Einladung, sobald ein Platz frei wird. Nie mehr als { $cap ->
        [one] eine Mail
       *[other] { $cap } Mails
    } in 30 Tagen; mehr verschickt der Server nicht.
privacy-one-click = Jede Mail nach der Bestätigung enthält einen Link, mit dem Sie sich mit einem Klick abmelden, ohne Anmeldung.
privacy-never-sell = Wir verkaufen nie
privacy-encrypted = Ihre Adresse und Ihr Name werden verschlüsselt gespeichert, mit einem Schlüssel, der getrennt von der Datenbank aufbewahrt wird.
privacy-consent-record = Wir halten Ihre Einwilligung fest: wann Sie das Formular abgeschickt und wann Sie bestätigt haben, den genauen Text, dem Sie zugestimmt haben, und Ihr Netz ({ $network }).
privacy-ip-truncated = nur die ersten drei Teile der Adresse: ein /24, bei IPv6 ein /48
privacy-ip-full = Ihre vollständige IP-Adresse, so wie es der Betreiber der Website gewählt hat
privacy-ip-none = wird nicht gespeichert
privacy-exports-audited = Jeder Export der Liste wird in einem Prüfprotokoll festgehalten.
privacy-no-trackers = Keine Cookies für Besucher, keine Tracker, nichts wird von anderen Websites geladen.
privacy-how-long = Wie lange wir Daten aufbewahren
privacy-keep-unconfirmed = Unbestätigte Anmeldungen: gelöscht nach { $days ->
        [one] einem Tag
       *[other] { $days } Tagen
    }.
privacy-keep-mail = Aufzeichnungen über verschickte Mails: { $days } Tage.
privacy-keep-record = Ihr Eintrag nach der Bestätigung: bis Sie ihn löschen.
privacy-after-erasure = Nach dem Löschen behalten wir nur einen nicht umkehrbaren, mit einem geheimen Schlüssel gebildeten Hashwert Ihrer Adresse, damit sie nicht ohne neue Bestätigung wieder aufgenommen wird; Ihr Einwilligungsnachweis bleibt { $days } Tage erhalten, ohne etwas, das auf Sie zurückführt.
privacy-record-so-far = Die Bilanz bis heute
privacy-count-confirmation = Verschickte Bestätigungsmails
privacy-count-welcome = Verschickte Willkommensmails
privacy-count-invite = Verschickte Einladungen
privacy-count-access = Verschickte Links zu den eigenen Daten
privacy-count-exports = Exporte einer Liste durch ihren Betreiber (jeder im Prüfprotokoll)
privacy-count-unsubscribes = Abmeldungen
privacy-count-erasures = Löschungen
privacy-count-imports = Importe
privacy-count-sold = Verkaufte oder weitergegebene Adressen
privacy-never = keine
privacy-counted-live = Live aus der Datenbank gezählt.
privacy-counted-live-at = Live aus der Datenbank gezählt ({ $time }).

## Fehlerseiten
not-found-heading = Seite nicht gefunden
not-found-text = Unter dieser Adresse gibt es nichts. Vielleicht ist der Link vertippt oder die Seite ist umgezogen.
gone-title = Seite entfernt
gone-heading = Diese Seite wurde entfernt
gone-text = Die Seite unter dieser Adresse wurde absichtlich entfernt und kommt nicht wieder.
error-reference = Referenz:
error-method-heading = Methode nicht erlaubt
error-method-text = Diese Adresse nimmt diese Art von Anfrage nicht an.
error-too-large-heading = Das war zu viel
error-too-large-text = Das Formular hat mehr als 16 KiB geschickt, so viel braucht keine Anmeldung. Bitte kürzen Sie Ihre Antworten und versuchen Sie es noch einmal.
error-media-type-heading = Formular nicht unterstützt
error-media-type-text = Schicken Sie das Formular als application/x-www-form-urlencoded (ein einfaches HTML-Formular) oder als application/json.
error-too-many-heading = Zu viele Versuche
error-too-many-text = Aus Ihrem Netz kamen in kurzer Zeit viele Anfragen. Bitte warten Sie { $seconds } Sekunden und versuchen Sie es dann noch einmal.
error-busy-heading = Bitte versuchen Sie es gleich noch einmal
error-disk-full-text = Wir konnten Ihre Anfrage nicht speichern, weil unser Speicher voll ist. Es wurde nichts gespeichert; bitte versuchen Sie es später noch einmal.
error-busy-text = Wir sind gerade ausgelastet und konnten Ihre Anfrage nicht speichern. Es wurde nichts gespeichert; bitte versuchen Sie es gleich noch einmal.
error-internal-heading = Bei uns ist etwas schiefgegangen
error-internal-text = Der Fehler wurde protokolliert. Bitte versuchen Sie es später noch einmal; wenn er bleibt, nennen Sie uns die Referenz unten.
error-link-expired-heading = Dieser Link ist abgelaufen
error-confirm-link-expired-text = Bestätigungslinks gelten { $hours } Stunden. Tragen Sie sich mit derselben Adresse noch einmal ein, dann bekommen Sie einen neuen.
error-link-invalid-heading = Dieser Link ist ungültig
error-confirm-link-invalid-text = Vielleicht ist er unvollständig: Manche Mailprogramme brechen lange Links um. Kopieren Sie den ganzen Link aus der Mail in Ihren Browser.
error-bad-address-text = Die Adresse dieser Seite ließ sich nicht lesen. Bitte prüfen Sie den Link.
error-server-text = Bei uns ist etwas schiefgegangen. Bitte versuchen Sie es später noch einmal.
error-generic-text = Die Anfrage konnte nicht bearbeitet werden.
error-pow-heading = Anmeldungen sind vorübergehend ausgesetzt
error-pow-flood = Diese Website wird gerade mit automatischen Anmeldungen überschwemmt. Deshalb muss jede Anmeldung vorerst eine kleine Rechenaufgabe (Proof of Work) mitbringen, die dieses Formular nicht lösen kann.
error-pow-come-back = Es wurde nichts gespeichert. Bitte kommen Sie in ein paar Stunden wieder; der Betreiber schaltet diese Prüfung ab, sobald die Welle vorüber ist.
error-manage-link-expired-text = Links zu Ihren Daten gelten 30 Tage. Fordern Sie unter /manage einen neuen an; er kommt per Mail.
error-manage-link-invalid-text = Vielleicht ist er unvollständig, oder die Daten, zu denen er führte, wurden gelöscht. Unter /manage können Sie einen neuen Link anfordern.
error-invitation-expired-heading = Diese Einladung ist abgelaufen
error-invitation-expired-text = Der Platz ist an die nächste Person in der Warteliste gegangen. Ihren Platz für die nächste Gruppe behalten Sie.
error-field-twice-heading = Ein Feld wurde doppelt geschickt
error-field-twice-text = Das Feld „{ $field }“ wurde mehr als einmal geschickt. Schicken Sie jedes Feld nur einmal und versuchen Sie es noch einmal.

## Mails
mail-subject-confirmation = Bitte bestätigen Sie Ihren Platz auf der Warteliste für { $list }
mail-subject-welcome = Sie stehen auf der Warteliste für { $list }
mail-subject-access = Ihr Link, um Ihre Daten zu sehen und zu verwalten ({ $list })
mail-subject-invite = Ein Platz ist für Sie frei: { $list }
mail-with-one-click = mit einem Klick.
mail-unsubscribe-one-click = Mit einem Klick abmelden:
mail-copy-address = Oder kopieren Sie diese Adresse in Ihren Browser:
mail-confirm-please = Bitte bestätigen Sie Ihren Platz auf der Warteliste für { $list }.
mail-confirm-someone-asked = Jemand, wahrscheinlich Sie, möchte mit dieser Adresse auf diese Warteliste. Zum Bestätigen öffnen Sie diesen Link und drücken auf der Seite den Knopf:
mail-confirm-link-works = Der Link gilt { $hours } Stunden. Wenn Sie das nicht waren, ignorieren Sie diese Mail einfach: Ohne Ihre Bestätigung schreiben wir Ihnen nicht wieder, und Ihre Adresse wird nach spätestens { $days ->
        [one] einem Tag
        [7] einer Woche
       *[other] { $days } Tagen
    } gelöscht.
mail-welcome-on-the-list = Sie stehen auf der Warteliste für { $list }.
mail-welcome-we-will-write = Wir schreiben Ihnen, sobald ein Platz für Sie frei wird. Bis dahin hören Sie nichts von uns: höchstens { $cap ->
        [one] eine Mail
       *[other] { $cap } Mails
    } in 30 Tagen, niemals mehr, und nur zu diesem Kurs.
mail-welcome-this-link = diesen Link
mail-welcome-share = Kennen Sie jemanden, für den der Kurs passt? Teilen Sie { $link }; für jede Person, die sich darüber einträgt und bestätigt, rücken Sie { $places ->
        [one] einen Platz
       *[other] { $places } Plätze
    } nach vorn.
mail-welcome-share-text = Kennen Sie jemanden, für den der Kurs passt? Teilen Sie diesen Link; für jede Person, die sich darüber einträgt und bestätigt, rücken Sie { $places ->
        [one] einen Platz
       *[other] { $places } Plätze
    } nach vorn:
mail-welcome-manage = Alles ansehen, was wir über Sie speichern, es herunterladen oder löschen
mail-welcome-link-30-days = Dieser Link gilt 30 Tage; einen neuen können Sie unter { $link } anfordern.
mail-access-intro = Hier ist Ihr Link, unter dem Sie alles sehen, was wir für die Warteliste { $list } über Sie speichern, und es herunterladen, sich abmelden oder es löschen können:
mail-access-button = Meine Daten verwalten
mail-access-30-days = Er gilt 30 Tage. Wenn Sie ihn nicht angefordert haben, können Sie diese Mail ignorieren.
mail-announcement-why = Warum Sie diese Mail bekommen: Sie haben Ihren Platz auf der Warteliste für { $list } bestätigt, und die Betreiber schreiben der Warteliste ab und zu. Nie mehr als { $cap ->
        [one] eine Mail
       *[other] { $cap } Mails
    } in 30 Tagen.
mail-invite-seat-open = Ein Platz in { $list } ist für Sie frei.
mail-invite-seat-open-cohort = Ein Platz in { $list } ist für Sie frei (Gruppe { $cohort }).
mail-invite-seat-open-cohort-starts = Ein Platz in { $list } ist für Sie frei (Gruppe { $cohort }, Beginn { $starts }).
mail-invite-next-in-line = Sie waren als Nächste oder Nächster an der Reihe. Um den Platz anzunehmen, öffnen Sie diesen Link und drücken den Knopf:
mail-invite-let-us-know = sagen Sie uns Bescheid
mail-invite-decline = Wenn Sie diesmal nicht teilnehmen können, { $link }, damit der Platz an die nächste Person geht.
mail-invite-decline-text = Wenn Sie diesmal nicht teilnehmen können, sagen Sie uns über diesen Link Bescheid, damit der Platz an die nächste Person geht:
mail-invite-open-until = Die Einladung gilt bis { $date }. Danach geht der Platz an die nächste Person in der Warteliste.

## Einladungen (die Links zum Annehmen und Absagen)
invite-seat-cohort = { $list } (Gruppe { $cohort })
invite-seat-cohort-starts = { $list } (Gruppe { $cohort }, Beginn { $starts })
invite-accept-heading = Ihren Platz annehmen
invite-accept-press = Drücken Sie den Knopf, um Ihren Platz in { $seat } anzunehmen.
invite-decline-heading = Die Einladung absagen
invite-decline-press = Drücken Sie den Knopf, wenn Sie an { $seat } nicht teilnehmen können; der Platz geht dann an die nächste Person.
invite-decline-button = Absagen
invite-answered-heading = Sie haben auf diese Einladung schon geantwortet
invite-answered-state = Ihr Stand: { $state ->
        [accepted] angenommen
        [declined] abgesagt
        [expired] abgelaufen
       *[other] { $state }
    }.
invite-accepted-heading = Der Platz gehört Ihnen
invite-accepted-text = Sie haben einen Platz in der Gruppe { $cohort }. Wir schreiben Ihnen vor dem Beginn mit allen Einzelheiten.
invite-declined-heading = Danke, dass Sie uns Bescheid geben
invite-declined-text = Der Platz geht an die nächste Person in der Warteliste.
invite-full-heading = Der letzte Platz wurde gerade vergeben
invite-full-text = Jemand hat einen Moment vor Ihnen geantwortet. Sie behalten Ihren Platz in der Warteliste, und wir schreiben Ihnen, sobald der nächste Platz frei wird.

## Warum der Arbeitsnachweis einer Anmeldung abgelehnt wurde (unter der Seite zur Flutprüfung)
pow-missing = (Diese Anmeldung enthielt keinen Arbeitsnachweis.)
pow-invalid = (Der Arbeitsnachweis war unlesbar oder falsch.)
pow-expired = (Die Aufgabe für den Arbeitsnachweis war abgelaufen.)
pow-replayed = (Dieser Arbeitsnachweis wurde schon einmal verwendet.)
pow-busy = (Gerade werden zu viele Aufgaben gelöst; bitte versuchen Sie es in einer Minute noch einmal.)

## Der Bereich für Betreiber (in der Sprache der Website)
admin-owner = Betreiber
admin-dashboard = Übersicht
admin-api-keys = API-Schlüssel
admin-webhooks = Webhooks
admin-sign-out = Abmelden
admin-sign-in = Anmelden
admin-sign-in-heading = Anmeldung für Betreiber
admin-closed = Es gibt noch kein Betreiberkonto, deshalb ist dieser Bereich geschlossen. Legen Sie auf dem Server eines an:
admin-password = Passwort
admin-login-refused = Diese Adresse und dieses Passwort passen zu keinem Betreiberkonto.
admin-login-throttled = Zu viele fehlgeschlagene Anmeldungen. Versuchen Sie es in { $minutes ->
        [one] einer Minute
       *[other] { $minutes } Minuten
    } noch einmal.
admin-not-allowed = Nicht erlaubt
admin-role-can-change = Ein Betreiber dieser Website kann Ihre Rolle ändern.
admin-cannot-be-done = Das geht nicht
admin-import-refused = Die Datei kann nicht importiert werden
admin-cross-site = Diese Anfrage kam von einer anderen Website.
admin-form-unreadable = Das Formular konnte nicht gelesen werden.
admin-form-expired = Das Formular ist abgelaufen oder kam nicht von dieser Website. Laden Sie die Seite neu und versuchen Sie es noch einmal.
admin-no-owner-yet = Es gibt noch kein Betreiberkonto. Legen Sie eines an mit: quietlist admin add EMAIL --password-stdin
admin-list-people = Warteliste { $name }: { $total ->
        [one] 1 Person
       *[other] { $total } Personen
    }.
admin-people-by-status = Personen nach Stand
admin-status = { $status ->
        [pending] unbestätigt
        [confirmed] bestätigt
        [invited] eingeladen
        [accepted] angenommen
        [declined] abgesagt
        [expired] abgelaufen
        [unsubscribed] abgemeldet
       *[other] { $status }
    }
admin-signups-per-day = Anmeldungen pro Tag
admin-chart-title = Abgeschickte Formulare pro Tag, letzte { $days } Tage
admin-chart-caption = Abgeschickte Formulare pro Tag in den letzten { $days } Tagen.
admin-figures-as-table = Die Zahlen als Tabelle
admin-funnel-heading = Trichter, letzte { $days } Tage
admin-funnel-step = Schritt
admin-funnel-count = Anzahl
admin-funnel-rate = Anteil am Schritt davor
admin-funnel-views = Aufrufe ihrer Seiten
admin-funnel-submissions = Abgeschickte Formulare
admin-funnel-confirmations = Bestätigungen
admin-funnel-invitations = Einladungen
admin-funnel-acceptances = Zusagen
admin-cohorts = Gruppen
admin-cohort = Gruppe
admin-seats = Plätze
admin-accepted = Angenommen
admin-invited-open = Eingeladen, offen
admin-free = Frei
admin-no-cohort = Noch keine Gruppe.
admin-person-title = Person { $id }
admin-person-audited = Das Öffnen dieser Seite wird im Prüfprotokoll festgehalten.
admin-person-undeliverable = Mails an diese Adresse wurden am { $since } abgewiesen: { $reason }. Rundschreiben überspringen diese Person, bis wieder eine Mail ankommt; eine Einladung wird trotzdem verschickt.
admin-person-waitlist = Warteliste
admin-person-no-name = (nicht angegeben)
admin-person-status = Stand
admin-person-place = Platz in der Warteliste
admin-person-signed-up = Angemeldet
admin-person-confirmed = Bestätigt
admin-person-unsubscribed = Abgemeldet
admin-person-consent = Einwilligung
admin-person-consent-record = Bestätigt { $confirmed }; Formular abgeschickt { $submitted } von { $form }
admin-person-consent-version = Textfassung { $version }
admin-person-no-consent = Keine Einwilligung festgehalten (nicht bestätigt).
admin-person-mail = Mails
admin-person-mail-queued = eingereiht { $at }
admin-person-mail-sent = verschickt { $at }
admin-person-no-mail = Keine.
admin-person-actions = Aktionen
admin-person-resend = Die Bestätigung noch einmal schicken (im Rahmen der Tagesgrenze)
admin-person-erase = Diese Person löschen
admin-import = Import
admin-import-into = Import in { $list }
admin-import-rows-read = Gelesene Zeilen:
admin-import-added = Hinzugefügt:
admin-import-with-consent = bestätigt mit Nachweis der Einwilligung: { $count }
admin-import-pending = unbestätigt; Bestätigungsmails eingereiht: { $count }
admin-import-already-there = Schon in der Warteliste: { $count }
admin-import-suppressed = Früher gelöscht, nicht wieder aufgenommen: { $count }
admin-import-duplicates = Doppelte Zeilen in der Datei, zusammengeführt: { $count }
admin-import-rejected = Abgelehnt:
admin-import-line = Zeile
admin-import-why = Grund
admin-back-to-list = Zurück zur Liste

## Die Seite einer Liste für Betreiber
admin-list-erased = Die Person wurde gelöscht.
admin-list-cohort-saved = Die Gruppe wurde gespeichert.
admin-list-invited = Erledigt: { $count ->
        [one] 1 Person eingeladen
       *[other] { $count } Personen eingeladen
    }.
admin-list-undeliverable = { $count ->
        [one] 1 der Eingeladenen hat eine Adresse
       *[other] { $count } der Eingeladenen haben Adressen
    }, deren Mailserver Mails endgültig abgelehnt hat: Die Einladung wurde trotzdem eingereiht (das Postfach kann wieder da sein), kommt aber vielleicht nicht an. Warum, steht auf den Seiten dieser Personen.
admin-list-held = { $count ->
        [one] 1 Person, die als Nächste an der Reihe war, wurde
       *[other] { $count } Personen, die als Nächste an der Reihe waren, wurden
    } nicht eingeladen: sie haben in 30 Tagen schon so viele Mails bekommen, wie das Versprechen erlaubt. Sie behalten ihren Platz; laden Sie wieder ein, sobald ihr Zeitraum eine Mail frei hat.
admin-list-people-heading = Personen
admin-list-all = Alle
admin-list-find = Adresse suchen
admin-list-show = Anzeigen
admin-list-nobody-with-address = Niemand auf dieser Liste hat diese Adresse.
admin-list-address = Adresse
admin-list-referrals = Empfehlungen
admin-list-refused-since = Mails an diese Adresse werden seit { $since } abgelehnt
admin-list-undeliverable-mark = (unzustellbar)
admin-list-nobody = Hier ist niemand.
admin-list-next-page = Nächste Seite
admin-list-export = Als CSV exportieren
admin-list-export-audited = (wird im Prüfprotokoll festgehalten)
admin-list-invite-heading = Die Nächsten in der Warteliste einladen
admin-list-how-many = Wie viele
admin-list-into-cohort = In die Gruppe
admin-list-cohort-free = { $cohort } ({ $free } frei)
admin-list-overbook = So viele einladen, auch wenn weniger Plätze frei sind (Zusagen enden trotzdem bei der Kapazität)
admin-list-send-invitations = Einladungen senden
admin-list-cohort-first = Legen Sie zuerst eine Gruppe an.
admin-list-new-cohort = Neue Gruppe
admin-list-cohort-starts = Beginn (freiwillig)
admin-list-save-cohort = Gruppe speichern
admin-list-count-not-a-number = Wie viele Personen eingeladen werden: eine ganze Zahl.
admin-list-cohort-name = Der Name der Gruppe: Kleinbuchstaben, Ziffern und Bindestriche.
admin-list-cohort-capacity = Die Kapazität: eine ganze Zahl von Plätzen.
admin-announcements = Ankündigungen
admin-write-announcement = Eine Ankündigung schreiben
admin-list-announcements-intro = Schreiben Sie den Personen auf dieser Liste: Sehen Sie sich die Mail in der Vorschau an, schicken Sie sich einen Test und senden Sie sie dann. Jede Person bekommt eine Ankündigung einmal, im Rahmen des Versprechens.
admin-list-announcements-progress = Ankündigungen an diese Liste und wie weit sie sind
admin-list-embed-heading = Das Formular auf einer anderen Website
admin-list-embed-intro = Fügen Sie dies in eine Seite Ihrer anderen Website ein (einer Website, die in site.toml unter <code>allowed_origins</code> steht; keine andere Website darf das Formular zeigen). Es braucht kein Skript und setzt kein Cookie; die Antwort öffnet sich im ganzen Fenster.
admin-list-embed-allowed = Jetzt erlaubt:
admin-list-embed-none = Noch ist keine Website erlaubt: Ergänzen Sie <code>allowed_origins = ["https://example.com"]</code> am Anfang von site.toml.
admin-list-import-heading = Aus CSV importieren
admin-list-import-columns = Spalten: <code>email</code> (Pflicht), <code>name</code>, die eigenen Felder der Liste; mit Einwilligungsnachweis außerdem <code>consent_at</code> (RFC 3339), <code>consent_source</code> und wahlweise <code>consent_text</code>, <code>consent_ip</code>. Ohne Einwilligungsnachweis bekommt jede neue Person eine Bestätigungsmail und bleibt unbestätigt, bis sie bestätigt.
admin-list-import-file = CSV-Datei
admin-list-import-with-consent = Die Datei enthält für jede Person einen Nachweis ihrer Einwilligung; als bestätigt importieren, ohne Bestätigungsmail
admin-import-choose-file = Wählen Sie eine CSV-Datei zum Importieren.
admin-import-upload-unreadable = Der Upload konnte nicht gelesen werden: { $reason }
admin-import-file-unreadable = Die Datei konnte nicht gelesen werden: { $reason }
admin-import-bad-header = Die Kopfzeile der Datei lässt sich nicht lesen: { $reason }
admin-import-no-email-column = Die Kopfzeile der Datei hat keine Spalte „email“.
admin-import-no-consent-columns = Ein Import mit Einwilligung braucht die Spalten „consent_at“ und „consent_source“ in der Datei.

## Eine Ankündigung schreiben (das Formular für Betreiber)
admin-announce-title = Neue Ankündigung
admin-announce-heading = Neue Ankündigung an { $list }
admin-announcements-on-list = Ankündigungen an diese Liste
admin-run-state = { $state ->
        [scheduled] geplant
        [sending] wird gesendet
        [paused] angehalten
        [done] fertig
        [cancelled] abgebrochen
       *[other] { $state }
    }
admin-announce-already-heading = { $state ->
        [scheduled] Schon geplant
        [sending] Wird schon gesendet
        [paused] Schon angehalten
        [done] Schon fertig
        [cancelled] Schon abgebrochen
       *[other] Schon { $state }
    }
admin-announce-already = „{ $subject }“ { $state ->
        [scheduled] ist schon geplant
        [sending] wird schon gesendet
        [paused] ist schon angehalten
        [done] ist schon fertig
        [cancelled] ist schon abgebrochen
       *[other] ist schon { $state }
    }: Es wurde nichts Neues begonnen. Der neueste Text wird für die Personen aufbewahrt, die sie noch nicht erreicht hat.
admin-announce-scheduled-heading = Geplant
admin-announce-scheduled = „{ $subject }“ ist für <strong>{ $at }</strong> (UTC) geplant, nach jetzigem Stand für <strong>{ $count }</strong> { $count ->
        [one] Person
       *[other] Personen
    }. Bis dahin können Sie sie anhalten oder abbrechen.
admin-announce-sending-heading = Wird gesendet
admin-announce-sending = „{ $subject }“ geht an <strong>{ $count }</strong> { $count ->
        [one] Person
       *[other] Personen
    }, im Sendetempo, jede Mail im Rahmen des Versprechens. Solange sie läuft, können Sie sie anhalten oder abbrechen.
admin-figures-to-get-it = bekommen sie
admin-figures-would-get-it = würden sie bekommen
admin-figures-of-audience = (von { $audience } in den gewählten Gruppen)
admin-figures-already-sent = { $count } haben sie schon bekommen: Niemand bekommt dieselbe Ankündigung zweimal
admin-figures-skipped-cap = { $count } übersprungen wegen der Mail-Obergrenze: Eine weitere Mail nähme den letzten Platz in ihren 30 Tagen ein, der für eine Einladung frei bleibt
admin-figures-skipped-refused = { $count } übersprungen: Die Adresse ist als unzustellbar markiert (der Mailserver hat sie endgültig abgelehnt)
admin-figures-unsubscribed = { $count } abgemeldet: Diesen Personen wird nie geschrieben
admin-announce-follow = Den Fortschritt verfolgen
admin-announce-identity = Kennung der Ankündigung: <code>{ $key }</code>. Wird sie noch einmal gesendet, erreicht sie niemanden doppelt. Im Prüfprotokoll festgehalten.
admin-announce-another = Eine weitere Ankündigung schreiben
admin-announce-test-sent = Eine Testkopie ging an Ihre Adresse, <strong>{ $address }</strong>, mit „[test]“ vor dem Betreff. An die Liste ging nichts, und sie zählt bei niemandes Mails mit.
admin-announce-test-failed = Die Testkopie wurde nicht gesendet: { $reason }. An die Liste ging nichts.
admin-announce-confirm-heading = Jetzt senden?
admin-announce-confirm = Damit wird „{ $subject }“ für <strong data-testid="confirm-count">{ $count }</strong> { $count ->
        [one] Person
       *[other] Personen
    } eingereiht, wie unten in der Vorschau.
admin-announce-queue-it = Für { $count } { $count ->
        [one] Person
       *[other] Personen
    } einreihen
admin-announce-or-change = Oder ändern Sie sie im Formular unten.
admin-announce-nobody = Niemand würde sie jetzt bekommen: Siehe die Zahlen unten.
admin-announce-write = Schreiben
admin-announce-subject = Betreff
admin-announce-text = Text
admin-announce-text-hint = Markdown. <code>{"{{"} name {"}}"}</code> wird zum Namen der jeweiligen Person. HTML wird als Text gezeigt; Bilder nur von dieser Website.
admin-announce-fallback = Für jemanden ohne Namen steht statt <code>{"{{"} name {"}}"}</code>
admin-announce-id = Kennung (freiwillig)
admin-announce-id-hint = Buchstaben, Ziffern, „-“, „_“ oder „.“. Eine Ankündigung geht an jede Person einmal: mit Kennung einmal pro Kennung, auch wenn Sie den Text korrigieren; ohne Kennung einmal pro Betreff und Text.
admin-announce-audience = An die Personen senden, die
admin-announce-to-confirmed = bestätigt haben und in der Warteliste warten
admin-announce-to-invited = eingeladen sind und noch nicht geantwortet haben
admin-announce-to-accepted = einen Platz angenommen haben
admin-announce-send-at = Senden um (UTC, freiwillig)
admin-announce-send-at-hint = Leer: Sie geht los, sobald Sie bestätigen. Eine Zeit in UTC, etwa 2026-06-01 09:00, plant sie ein.
admin-announce-preview = Vorschau
admin-announce-test = Einen Test an mich senden
admin-announce-send = Senden…
admin-announce-nothing-before-confirm = Bevor Sie bestätigen, geht nichts an die Liste; Vorschau und Test ändern nichts.
admin-announce-preview-intro = So, wie sie jemand auf der Liste ohne Namen bekommt. Die persönlichen Links (Daten verwalten, abmelden) sind hier Platzhalter.
admin-announce-from = Von
admin-announce-who-now = Wer sie jetzt bekommen würde
admin-announce-html-part = Der HTML-Teil
admin-announce-html-part-title = Der HTML-Teil der Mail
admin-announce-text-part = Der Textteil
admin-announce-choose-step = Wählen Sie Vorschau, Einen Test an mich senden oder Senden.
admin-announce-choose-audience = Wählen Sie mindestens eine Gruppe von Personen, an die sie gehen soll.
admin-announce-bad-send-at = Wann sie gesendet wird: ein Datum mit Uhrzeit wie 2026-06-01T09:00 (UTC), oder leer für sofort.
admin-announce-bad-subject = Schreiben Sie einen Betreff mit 1 bis { $max } Zeichen, in einer Zeile.
admin-announce-bad-id = Eine Kennung besteht aus 1 bis { $max } Buchstaben, Ziffern, „-“, „_“ oder „.“ (ohne Leerzeichen); oder lassen Sie sie leer.
admin-announce-empty-body = Schreiben Sie den Text.
admin-announce-body-too-long = Der Text ist länger als { $max } Zeichen: Bitte kürzen Sie ihn.
admin-announce-bad-fallback = Höchstens { $max } Zeichen, in einer Zeile.
admin-announce-markdown = Der Text, Zeile { $line }: { $problem }.
admin-announce-bad-file = Der Text: { $problem }.
markdown-foreign-image = Das Bild { $url } liegt auf einer anderen Website; Seiten laden nichts von anderen Websites (legen Sie die Datei in den Ordner static/ der Website)
markdown-heading-attribute = Überschriften-Attribut { $names }: Eine Überschrift nimmt nur eine Kennung ({"{"}#id{"}"}) und Klassen ({"{"}.class{"}"}); andere Attribute wären HTML
markdown-image-without-alt = Das Bild { $url } hat keinen Alternativtext; schreiben Sie zwischen die eckigen Klammern, was es zeigt: ![ein Diagramm der Antwortquoten]({ $path })
markdown-image-not-found = Das Bild { $url } liegt nicht im Ordner static/ der Website (schreiben Sie es als /static/DATEI und legen Sie DATEI dort ab)
markdown-image-unreadable = Das Bild { $url } lässt sich nicht als Bild lesen ({ $reason })

## Ankündigungen an eine Liste und wie weit sie sind
admin-runs-heading = Ankündigungen an { $list }
admin-runs-intro = Die Zahlen stammen nur aus den Antworten des Mailservers: Nichts hier wird über die Leserinnen und Leser ermittelt (keine Zählpixel, keine umgeschriebenen Links). Es gehen höchstens { $rate } Mails pro Sekunde hinaus.
admin-runs-caption = Jede Ankündigung an diese Liste, die neueste zuerst
admin-runs-state = Stand
admin-runs-handed-over = Übergeben
admin-runs-waiting = Wartend
admin-runs-deferred = Zurückgestellt
admin-runs-refused = Abgelehnt
admin-runs-cancelled-skipped = Abgebrochen oder übersprungen
admin-runs-examined = Geprüft
admin-runs-steer = Steuern
admin-runs-by = von { $who }
admin-runs-for = für
admin-runs-examined-of = { $examined } von { $total }
admin-runs-action = { $action ->
        [pause] Anhalten
        [resume] Fortsetzen
        [cancel] Abbrechen
       *[other] { $action }
    }
admin-runs-none = Noch keine Ankündigung.
admin-runs-paused = Angehalten: Die eingereihten Mails bleiben ungesendet, bis Sie die Ankündigung fortsetzen.
admin-runs-resumed = Fortgesetzt: Die Mails gehen ab jetzt wieder hinaus, im Sendetempo.
admin-runs-cancelled = Abgebrochen: Die noch nicht gesendeten Mails gehen nicht mehr hinaus.
admin-runs-progress = { $sent } übergeben, { $waiting } wartend, { $deferred } zurückgestellt, { $in_flight } unterwegs, { $refused } abgelehnt, { $cancelled } abgebrochen, { $skipped } bei der Übergabe übersprungen; { $examined } von { $total } geprüft
admin-runs-bad-action = action: { $action } ist nicht pause, resume oder cancel
admin-audience = Personen mit dem Stand { $statuses }
admin-audience-cohort = { $audience }, eingeladen in die Gruppe { $cohort }
admin-audience-field = { $audience }, bei denen { $field } „{ $value }“ ist

## API-Schlüssel und Webhooks (die Seiten für Betreiber)
admin-keys-intro = Mit Schlüsseln nutzen Ihre eigenen Programme die API (<code>/api/v1</code>, beschrieben unter <a href="/api/openapi.json">/api/openapi.json</a>). Ein Schlüssel wird einmal gezeigt, wenn er erzeugt wird; quietlist speichert nur seinen Hashwert. Was ein Schlüssel tut, steht unter seinem Namen im Prüfprotokoll.
admin-keys-revoked = Der Schlüssel wurde widerrufen: Seine nächste Anfrage wird abgelehnt.
admin-keys-made = Schlüssel { $name } ist erzeugt
admin-keys-copy-now = Kopieren Sie ihn jetzt: Er wird nicht noch einmal gezeigt.
admin-keys-heading = Schlüssel
admin-keys-scopes = Berechtigungen
admin-keys-created = Erzeugt
admin-keys-made-by = Erzeugt von
admin-keys-last-used = Zuletzt benutzt
admin-keys-never = nie
admin-keys-revoke = Widerrufen
admin-keys-revoke-name = { $name } widerrufen
admin-keys-none = Noch keine Schlüssel.
admin-keys-make-heading = Einen Schlüssel erzeugen
admin-keys-make = Schlüssel erzeugen
admin-keys-choose-scope = Wählen Sie mindestens eine Berechtigung für den Schlüssel.
admin-webhooks-intro = Jedes Ereignis wird als JSON per POST geschickt, mit dem Geheimnis des Webhooks signiert (<code>Quietlist-Signature</code>) und mit wachsenden Abständen etwa einen Tag lang erneut versucht. Eine Nutzlast nennt die Person mit ihrer Nummer, nicht mit ihrer Adresse, außer der Webhook schließt Adressen ein: Dann wird jede Zustellung, die eine enthält, im Prüfprotokoll festgehalten.
admin-webhooks-removed = Der Webhook wurde entfernt, mit seinem Zustellprotokoll.
admin-webhooks-added = Webhook { $id } hinzugefügt. Sein Signaturgeheimnis, nur dieses eine Mal gezeigt (bewahren Sie es beim Empfänger auf):
admin-webhooks-caption = Alle Webhooks
admin-webhooks-id = Nr.
admin-webhooks-events = Ereignisse
admin-webhooks-addresses = Adressen
admin-webhooks-deliveries = Zustellungen
admin-webhooks-remove = Entfernen
admin-webhooks-with-addresses = Schließt die Adressen der Personen ein
admin-webhooks-ids-only = Nur Nummern
admin-webhooks-counts = { $delivered } zugestellt, { $queued } wartend, { $failed } gescheitert
admin-webhooks-none = Noch kein Webhook.
admin-webhooks-add-heading = Einen Webhook hinzufügen
admin-webhooks-include-email = Die Adresse der Person in jede Nutzlast aufnehmen (jede solche Zustellung wird protokolliert)
admin-webhooks-insecure = Unverschlüsseltes http zu einem anderen Rechner als diesem erlauben (die Nutzlast reist unverschlüsselt)
admin-webhooks-private-ok = Die URL darf auf eine private Adresse zeigen (etwa ein internes CRM): Sie bestimmen, wohin quietlist sendet, deshalb lehnt es keine ab.
admin-webhooks-add = Webhook hinzufügen
admin-webhook-title = Webhook { $id }
admin-webhook-back = Zurück zu den Webhooks
admin-webhook-with-addresses = schließt die Adressen der Personen ein
admin-webhook-ids-only = nur Nummern
admin-webhook-replayed = Die Zustellung ist wieder eingereiht.
admin-webhook-caption = Die letzten Zustellungen, die neueste zuerst
admin-webhook-time = Zeit (UTC)
admin-webhook-event = Ereignis
admin-webhook-person = Person
admin-webhook-status = Status
admin-webhook-attempts = Versuche
admin-webhook-last-attempt = Letzter Versuch
admin-webhook-replay = Erneut senden
admin-webhook-delivery = Zustellung { $id }
admin-webhook-no-delivery = Noch keine Zustellung.
admin-delivery-state = { $state ->
        [queued] eingereiht
        [sending] wird gesendet
        [delivered] zugestellt
        [failed] gescheitert
       *[other] { $state }
    }
webhook-unknown-event = Ereignisse: { $event } ist kein Ereignis (möglich sind subscriber.confirmed, subscriber.unsubscribed, subscriber.erased, invitation.accepted, invitation.declined).
webhook-no-events = Ereignisse: Wählen Sie mindestens ein Ereignis.
webhook-not-a-url = URL: keine gültige URL ({ $reason }).
webhook-scheme = URL: Nur http- und https-URLs können Webhooks empfangen.
webhook-insecure = URL: Unverschlüsseltes http schickt die signierte Nutzlast ohne Verschlüsselung; verwenden Sie https, eine Loopback-Adresse, oder erlauben Sie unten unverschlüsseltes http.
webhook-credentials = URL: Eine URL mit Benutzername oder Passwort wird abgelehnt (bewahren Sie Zugangsdaten anderswo auf).
webhook-fragment = URL: Eine URL mit einem #Fragment wird abgelehnt.
webhook-too-long = URL: höchstens 2.000 Zeichen.

## Ablehnungen auf den Seiten für Betreiber
admin-role-may-not = Ein Konto mit der Rolle { $role ->
        [owner] Betreiber
        [editor] Redakteur
        [viewer] Betrachter
       *[other] { $role }
    } darf { $what ->
        [figures] die Zahlen nicht sehen
        [people] die Adressen von Personen nicht sehen
        [resend] keine Bestätigung erneut senden
        [unsubscribe] keine Personen abmelden
        [erase] keine Personen löschen
        [export] keine Liste exportieren
        [import] keine Adressen importieren
        [announce] keine Ankündigungen senden oder steuern
        [invite] keine Personen einladen und keine Gruppen anlegen
        [audit-log] das Prüfprotokoll nicht lesen
        [accounts] keine Betreiberkonten verwalten
       *[keys] keine API-Schlüssel und Webhooks verwalten
    }.
invite-unknown-list = Es gibt keine Warteliste mit diesem Namen.
invite-unknown-cohort = Die Warteliste { $list } hat keine Gruppe { $cohort }; legen Sie eine in site.toml oder in der Übersicht an.
invite-no-cohort = Die Warteliste { $list } hat noch keine Gruppe; legen Sie eine in site.toml oder in der Übersicht an.
refused-cancelled-announcement = Die Ankündigung { $key } wurde abgebrochen; um sie doch noch zu senden, geben Sie ihr im Front Matter eine neue Kennung
refused-no-cohort = --cohort: Die Liste { $list } hat keine Gruppe { $cohort }
refused-no-field = --where: Die Liste { $list } hat kein Feld { $field }
refused-delivery-in-flight = Die Zustellung { $id } wird gerade gesendet ({ $state }); versuchen Sie es gleich noch einmal
refused-run-state = Die Ankündigung { $key } lässt sich nicht { $action ->
        [resume] fortsetzen
        [pause] anhalten
       *[cancel] abbrechen
    }, denn sie ist { $state ->
        [scheduled] geplant
        [sending] im Versand
        [paused] angehalten
        [done] fertig
        [cancelled] abgebrochen
       *[other] { $state }
    }{ $action ->
        [resume] {" "}(nur eine angehaltene Ankündigung lässt sich fortsetzen)
        [pause] {" "}(nur eine geplante oder laufende Ankündigung lässt sich anhalten)
       *[cancel] { $state ->
            [paused] {""}
           *[other] {" "}(nur eine noch laufende Ankündigung lässt sich abbrechen)
        }
    }
refused-key-name-length = Der Name muss 1 bis 64 Zeichen lang sein
refused-key-name-characters = Der Name darf nur Buchstaben, Ziffern, „-“, „_“ und „.“ enthalten
refused-key-no-scope = Wählen Sie mindestens eine Berechtigung
refused-key-maker = { $actor } darf keine API-Schlüssel erzeugen
refused-key-exists = Einen Schlüssel namens { $name } gibt es schon: Widerrufen Sie ihn zuerst oder wählen Sie einen anderen Namen
refused-no-key = Es gibt keinen API-Schlüssel namens { $name }
## Auf der Website veröffentlichte Mitteilungen (/news/{id})
kind-news = Neuigkeiten
news-form-publish = Auch auf der Website veröffentlichen
news-form-publish-hint = Sie erscheint als Seite der Website und im Feed, sobald sie versandt wird (eine geplante zu ihrem Zeitpunkt); eine Vorschau oder ein Testexemplar veröffentlicht sie nie. Wo der Text den Namen der Person nennt, steht auf der Seite der Ersatztext von oben, nie jemandes Name. Sie können sie später wieder entfernen.
news-admin-on-site = Auf der Website
news-admin-withdrawn = Von der Website genommen
news-admin-when-run-starts = Erscheint auf der Website, sobald sie versandt wird
news-admin-publish = Auf der Website veröffentlichen
news-admin-unpublish = Von der Website nehmen
news-admin-published = Veröffentlicht: Sie steht auf der Website und im Feed (sobald sie versandt ist).
news-admin-unpublished = Von der Website genommen: Ihre Seite sagt jetzt, dass sie entfernt wurde, und sie ist nicht mehr im Feed.
