//! Pure types that parse their input. Nothing here knows about HTTP, SQL or SMTP.

mod email;
mod fields;
mod name;
mod role;
mod slug;
mod status;
mod token;
mod webhook;

pub use email::{EmailAddress, EmailError};
pub use fields::{FieldError, FieldKind, FieldOption, FieldProblem, FieldSpec, FieldValues};
pub use name::{NameError, PersonName};
pub use role::{Capability, Role, UnknownRole};
pub use slug::{Slug, SlugError};
pub use status::Status;
pub use token::{MalformedToken, TOKEN_LEN, Token, TokenPurpose};
pub use webhook::{WebhookError, WebhookEvent, WebhookUrl};
