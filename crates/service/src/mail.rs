//! The server's outgoing e-mail: plain-text messages through the SMTP relay of the
//! `smtp_url` setting, from `mail_from`. Without a relay the server sends no e-mail, and a
//! use case that needs one refuses rather than leaving the message unsent.

use std::time::Duration;

use dossier_core::DomainError;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::{Dossier, Result, Settings};

/// How long one delivery to the relay may take before it counts as failed.
const SEND_TIMEOUT: Duration = Duration::from_secs(30);

/// One message to one person.
#[derive(Clone, Debug)]
pub struct Mail {
    pub to: String,
    pub to_name: String,
    pub subject: String,
    pub text: String,
}

/// Checks the mail settings at start-up, so a typo shows then, not at the first
/// invitation: the relay URL as the SMTP client reads it, the sender as an address, and
/// both or neither set. Returns why they are wrong.
pub fn check_settings(
    smtp_url: Option<&str>,
    mail_from: Option<&str>,
) -> std::result::Result<(), String> {
    match (smtp_url, mail_from) {
        (None, None) => Ok(()),
        (Some(_), None) => Err("mail_from is needed to send e-mail through smtp_url".into()),
        (None, Some(_)) => Err("mail_from is set but smtp_url is not".into()),
        (Some(url), Some(from)) => {
            if !(url.starts_with("smtp://") || url.starts_with("smtps://")) {
                return Err("smtp_url must start with smtp:// or smtps://".into());
            }
            AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                .map_err(|e| format!("smtp_url cannot be used: {e}"))?;
            from.parse::<Mailbox>()
                .map_err(|e| format!("mail_from is not an e-mail address: {e}"))?;
            Ok(())
        }
    }
}

/// The relay and sender, when both are configured.
fn relay(settings: &Settings) -> Option<(&str, &str)> {
    Some((
        settings.smtp_url.as_deref()?,
        settings.mail_from.as_deref()?,
    ))
}

impl Dossier {
    /// Whether this server can send e-mail (an `smtp_url` and a `mail_from` are set).
    pub fn sends_mail(&self) -> bool {
        relay(&self.settings).is_some()
    }

    /// Delivers `mail` to the relay. A relay that cannot be reached or refuses the message
    /// is `Unavailable` (the message was not sent; the caller may try again).
    pub(crate) async fn send_mail(&self, mail: &Mail) -> Result<()> {
        let (url, from) = relay(&self.settings).ok_or_else(|| {
            DomainError::Unavailable("this server sends no e-mail: smtp_url is not set".into())
        })?;
        let from: Mailbox = from
            .parse()
            .map_err(|e| DomainError::internal(format!("mail_from: {e}")))?;
        let to = Mailbox::new(
            Some(mail.to_name.clone()),
            mail.to.parse().map_err(|_| {
                DomainError::invalid("email", format!("'{}' is not an e-mail address", mail.to))
            })?,
        );
        let message = Message::builder()
            .from(from)
            .to(to)
            .subject(mail.subject.as_str())
            .header(ContentType::TEXT_PLAIN)
            .body(mail.text.clone())
            .map_err(|e| DomainError::internal(format!("building an e-mail: {e}")))?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| DomainError::internal(format!("smtp_url: {e}")))?
            .timeout(Some(SEND_TIMEOUT))
            .build();
        transport.send(message).await.map_err(|e| {
            tracing::warn!(error = %e, "e-mail not delivered to the SMTP relay");
            DomainError::Unavailable(format!("the e-mail could not be sent: {e}"))
        })?;
        Ok(())
    }
}
