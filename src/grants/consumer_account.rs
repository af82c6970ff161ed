//! The consumer's account, as consumer access needs it: AWS RAM invitations, Glue database
//! resource links and Lake Formation DESCRIBE grants on them, all made through the consumer
//! domain's link role (assumed with the domain's external id, credentials cached).

use std::sync::Arc;

use aws_sdk_glue::types::{DatabaseIdentifier, DatabaseInput};
use aws_sdk_lakeformation::types::{DataLakePrincipal, DatabaseResource, Permission, Resource};
use aws_sdk_ram::types::{ResourceOwner, ResourceShareInvitationStatus};

use crate::BoxFuture;
use crate::aws::{self, Aws, roles::is_retryable};

/// The link role of a consumer domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkRole {
    pub domain: String,
    pub account_id: String,
    pub role_arn: String,
    pub external_id: String,
}

#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct ConsumerError {
    pub message: String,
    pub retryable: bool,
}

/// A pending AWS RAM invitation the consumer's account received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub arn: String,
    pub sender: String,
}

/// What the consumer's catalog holds under a database name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Existing {
    Missing,
    /// A resource link to `catalog_id`'s `database`.
    Link {
        catalog_id: String,
        database: String,
    },
    /// A database of the consumer's own.
    Database,
}

pub trait ConsumerAccount: Send + Sync {
    /// The account's pending invitations.
    fn pending_invitations<'a>(
        &'a self,
        role: &'a LinkRole,
    ) -> BoxFuture<'a, Result<Vec<Invitation>, ConsumerError>>;
    /// The ARNs of the resources a pending invitation carries.
    fn invitation_resources<'a>(
        &'a self,
        role: &'a LinkRole,
        invitation: &'a str,
    ) -> BoxFuture<'a, Result<Vec<String>, ConsumerError>>;
    /// Accepts an invitation; its AWS request id.
    fn accept_invitation<'a>(
        &'a self,
        role: &'a LinkRole,
        invitation: &'a str,
    ) -> BoxFuture<'a, Result<Option<String>, ConsumerError>>;
    /// The ARNs of the resources other accounts share with this one (available: accepted, or
    /// within one organization).
    fn shared_resources<'a>(
        &'a self,
        role: &'a LinkRole,
    ) -> BoxFuture<'a, Result<Vec<String>, ConsumerError>>;
    fn database<'a>(
        &'a self,
        role: &'a LinkRole,
        name: &'a str,
    ) -> BoxFuture<'a, Result<Existing, ConsumerError>>;
    /// Creates database resource link `name` to `catalog_id`'s `database`.
    fn create_link<'a>(
        &'a self,
        role: &'a LinkRole,
        name: &'a str,
        catalog_id: &'a str,
        database: &'a str,
    ) -> BoxFuture<'a, Result<(), ConsumerError>>;
    /// Deletes database `name` (a link: the target stays); gone already counts as done.
    fn delete_database<'a>(
        &'a self,
        role: &'a LinkRole,
        name: &'a str,
    ) -> BoxFuture<'a, Result<(), ConsumerError>>;
    /// Grants `principal` DESCRIBE on database `name` of the account; the AWS request id.
    fn grant_describe<'a>(
        &'a self,
        role: &'a LinkRole,
        principal: &'a str,
        name: &'a str,
    ) -> BoxFuture<'a, Result<Option<String>, ConsumerError>>;
    /// Whether `principal` holds DESCRIBE on database `name` of the account (drift checks).
    fn has_describe<'a>(
        &'a self,
        role: &'a LinkRole,
        principal: &'a str,
        name: &'a str,
    ) -> BoxFuture<'a, Result<bool, ConsumerError>>;
    /// Revokes it; Ok(None) when there was nothing to revoke.
    fn revoke_describe<'a>(
        &'a self,
        role: &'a LinkRole,
        principal: &'a str,
        name: &'a str,
    ) -> BoxFuture<'a, Result<Option<String>, ConsumerError>>;
}

pub struct SdkConsumerAccount {
    aws: Arc<Aws>,
}

impl SdkConsumerAccount {
    pub fn new(aws: Arc<Aws>) -> SdkConsumerAccount {
        SdkConsumerAccount { aws }
    }

    async fn config(&self, role: &LinkRole) -> Result<aws_config::SdkConfig, ConsumerError> {
        // Session names show up in the consumer's CloudTrail: name the domain.
        let session = format!("meshgov-links-{}", role.domain);
        self.aws
            .config_as(&role.role_arn, &role.external_id, &session)
            .await
            .map_err(|e| ConsumerError {
                message: e.to_string(),
                retryable: e.retryable,
            })
    }

    async fn ram(&self, role: &LinkRole) -> Result<aws_sdk_ram::Client, ConsumerError> {
        Ok(aws_sdk_ram::Client::new(&self.config(role).await?))
    }

    async fn glue(&self, role: &LinkRole) -> Result<aws_sdk_glue::Client, ConsumerError> {
        Ok(aws_sdk_glue::Client::new(&self.config(role).await?))
    }

    async fn lakeformation(
        &self,
        role: &LinkRole,
    ) -> Result<aws_sdk_lakeformation::Client, ConsumerError> {
        Ok(aws::lakeformation_client(&self.config(role).await?))
    }
}

fn failed<E, R>(what: &str, e: &aws_sdk_sts::error::SdkError<E, R>) -> ConsumerError
where
    E: aws_sdk_sts::error::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    ConsumerError {
        message: format!("{what}: {}", aws::describe(e)),
        retryable: is_retryable(e),
    }
}

fn request_id<T: aws_sdk_lakeformation::operation::RequestId>(out: &T) -> Option<String> {
    out.request_id().map(str::to_string)
}

fn describe_on(name: &str) -> Result<Resource, ConsumerError> {
    let db = DatabaseResource::builder()
        .name(name)
        .build()
        .map_err(|e| ConsumerError {
            message: e.to_string(),
            retryable: false,
        })?;
    Ok(Resource::builder().database(db).build())
}

impl ConsumerAccount for SdkConsumerAccount {
    fn pending_invitations<'a>(
        &'a self,
        role: &'a LinkRole,
    ) -> BoxFuture<'a, Result<Vec<Invitation>, ConsumerError>> {
        Box::pin(async move {
            let ram = self.ram(role).await?;
            let mut out = Vec::new();
            let mut next: Option<String> = None;
            loop {
                let page = ram
                    .get_resource_share_invitations()
                    .set_next_token(next.take())
                    .send()
                    .await
                    .map_err(|e| failed("RAM GetResourceShareInvitations", &e))?;
                for inv in page.resource_share_invitations() {
                    if inv.status() == Some(&ResourceShareInvitationStatus::Pending)
                        && let (Some(arn), Some(sender)) =
                            (inv.resource_share_invitation_arn(), inv.sender_account_id())
                    {
                        out.push(Invitation {
                            arn: arn.to_string(),
                            sender: sender.to_string(),
                        });
                    }
                }
                match page.next_token() {
                    Some(t) if !t.is_empty() => next = Some(t.to_string()),
                    _ => return Ok(out),
                }
            }
        })
    }

    fn invitation_resources<'a>(
        &'a self,
        role: &'a LinkRole,
        invitation: &'a str,
    ) -> BoxFuture<'a, Result<Vec<String>, ConsumerError>> {
        Box::pin(async move {
            let ram = self.ram(role).await?;
            let mut out = Vec::new();
            let mut next: Option<String> = None;
            loop {
                let page = ram
                    .list_pending_invitation_resources()
                    .resource_share_invitation_arn(invitation)
                    .set_next_token(next.take())
                    .send()
                    .await
                    .map_err(|e| failed("RAM ListPendingInvitationResources", &e))?;
                out.extend(
                    page.resources()
                        .iter()
                        .filter_map(|r| r.arn())
                        .map(str::to_string),
                );
                match page.next_token() {
                    Some(t) if !t.is_empty() => next = Some(t.to_string()),
                    _ => return Ok(out),
                }
            }
        })
    }

    fn accept_invitation<'a>(
        &'a self,
        role: &'a LinkRole,
        invitation: &'a str,
    ) -> BoxFuture<'a, Result<Option<String>, ConsumerError>> {
        Box::pin(async move {
            let ram = self.ram(role).await?;
            match ram
                .accept_resource_share_invitation()
                .resource_share_invitation_arn(invitation)
                .send()
                .await
            {
                Ok(out) => Ok(request_id(&out)),
                // Accepted by an earlier attempt that did not get to record it.
                Err(e)
                    if e.as_service_error().is_some_and(|s| {
                        s.is_resource_share_invitation_already_accepted_exception()
                    }) =>
                {
                    Ok(None)
                }
                Err(e) => Err(failed("RAM AcceptResourceShareInvitation", &e)),
            }
        })
    }

    fn shared_resources<'a>(
        &'a self,
        role: &'a LinkRole,
    ) -> BoxFuture<'a, Result<Vec<String>, ConsumerError>> {
        Box::pin(async move {
            let ram = self.ram(role).await?;
            let mut out = Vec::new();
            let mut next: Option<String> = None;
            loop {
                let page = ram
                    .list_resources()
                    .resource_owner(ResourceOwner::OtherAccounts)
                    .set_next_token(next.take())
                    .send()
                    .await
                    .map_err(|e| failed("RAM ListResources", &e))?;
                out.extend(
                    page.resources()
                        .iter()
                        .filter_map(|r| r.arn())
                        .map(str::to_string),
                );
                match page.next_token() {
                    Some(t) if !t.is_empty() => next = Some(t.to_string()),
                    _ => return Ok(out),
                }
            }
        })
    }

    fn database<'a>(
        &'a self,
        role: &'a LinkRole,
        name: &'a str,
    ) -> BoxFuture<'a, Result<Existing, ConsumerError>> {
        Box::pin(async move {
            match self
                .glue(role)
                .await?
                .get_database()
                .name(name)
                .send()
                .await
            {
                Ok(out) => Ok(match out.database().and_then(|d| d.target_database()) {
                    Some(t) => Existing::Link {
                        catalog_id: t.catalog_id().unwrap_or(&role.account_id).to_string(),
                        database: t.database_name().unwrap_or_default().to_string(),
                    },
                    None => Existing::Database,
                }),
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|s| s.is_entity_not_found_exception()) =>
                {
                    Ok(Existing::Missing)
                }
                Err(e) => Err(failed("Glue GetDatabase", &e)),
            }
        })
    }

    fn create_link<'a>(
        &'a self,
        role: &'a LinkRole,
        name: &'a str,
        catalog_id: &'a str,
        database: &'a str,
    ) -> BoxFuture<'a, Result<(), ConsumerError>> {
        Box::pin(async move {
            let invalid = |e: aws_smithy_types::error::operation::BuildError| ConsumerError {
                message: e.to_string(),
                retryable: false,
            };
            let target = DatabaseIdentifier::builder()
                .catalog_id(catalog_id)
                .database_name(database)
                .build();
            let input = DatabaseInput::builder()
                .name(name)
                .description("Resource link kept by meshgov for the subscriptions of this account")
                .target_database(target)
                .build()
                .map_err(invalid)?;
            match self
                .glue(role)
                .await?
                .create_database()
                .database_input(input)
                .send()
                .await
            {
                Ok(_) => Ok(()),
                // Checked just before: whoever made it in between, it is checked again next time.
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|s| s.is_already_exists_exception()) =>
                {
                    Ok(())
                }
                Err(e) => Err(failed("Glue CreateDatabase (resource link)", &e)),
            }
        })
    }

    fn delete_database<'a>(
        &'a self,
        role: &'a LinkRole,
        name: &'a str,
    ) -> BoxFuture<'a, Result<(), ConsumerError>> {
        Box::pin(async move {
            match self
                .glue(role)
                .await?
                .delete_database()
                .name(name)
                .send()
                .await
            {
                Ok(_) => Ok(()),
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|s| s.is_entity_not_found_exception()) =>
                {
                    Ok(())
                }
                Err(e) => Err(failed("Glue DeleteDatabase (resource link)", &e)),
            }
        })
    }

    fn grant_describe<'a>(
        &'a self,
        role: &'a LinkRole,
        principal: &'a str,
        name: &'a str,
    ) -> BoxFuture<'a, Result<Option<String>, ConsumerError>> {
        Box::pin(async move {
            let out = self
                .lakeformation(role)
                .await?
                .grant_permissions()
                .principal(
                    DataLakePrincipal::builder()
                        .data_lake_principal_identifier(principal)
                        .build(),
                )
                .resource(describe_on(name)?)
                .permissions(Permission::Describe)
                .send()
                .await
                .map_err(|e| {
                    failed("Lake Formation GrantPermissions (DESCRIBE on the link)", &e)
                })?;
            Ok(request_id(&out))
        })
    }

    fn has_describe<'a>(
        &'a self,
        role: &'a LinkRole,
        principal: &'a str,
        name: &'a str,
    ) -> BoxFuture<'a, Result<bool, ConsumerError>> {
        Box::pin(async move {
            let lf = self.lakeformation(role).await?;
            let mut next: Option<String> = None;
            loop {
                let page = lf
                    .list_permissions()
                    .principal(DataLakePrincipal::builder().data_lake_principal_identifier(principal).build())
                    .resource(describe_on(name)?)
                    .set_next_token(next.take())
                    .send()
                    .await
                    .map_err(|e| failed("Lake Formation ListPermissions (the link)", &e))?;
                let held = page.principal_resource_permissions().iter().any(|p| {
                    p.principal().and_then(|x| x.data_lake_principal_identifier()) == Some(principal)
                        && p.permissions().iter().any(|x| matches!(x, Permission::Describe | Permission::All))
                });
                if held {
                    return Ok(true);
                }
                match page.next_token() {
                    Some(t) if !t.is_empty() => next = Some(t.to_string()),
                    _ => return Ok(false),
                }
            }
        })
    }

    fn revoke_describe<'a>(
        &'a self,
        role: &'a LinkRole,
        principal: &'a str,
        name: &'a str,
    ) -> BoxFuture<'a, Result<Option<String>, ConsumerError>> {
        Box::pin(async move {
            let sent = self
                .lakeformation(role)
                .await?
                .revoke_permissions()
                .principal(
                    DataLakePrincipal::builder()
                        .data_lake_principal_identifier(principal)
                        .build(),
                )
                .resource(describe_on(name)?)
                .permissions(Permission::Describe)
                .send()
                .await;
            match sent {
                Ok(out) => Ok(request_id(&out)),
                // Gone already (revoked by hand, or with the link).
                Err(e) if aws::describe(&e).contains("No permissions revoked") => Ok(None),
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|s| s.is_entity_not_found_exception()) =>
                {
                    Ok(None)
                }
                Err(e) => Err(failed(
                    "Lake Formation RevokePermissions (DESCRIBE on the link)",
                    &e,
                )),
            }
        })
    }
}
