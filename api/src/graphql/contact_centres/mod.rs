//! Contact centres (always on Chorus): queues with agents, weekly opening hours on the wall
//! clock of the centre's time zone (Europe/London), closure days, out-of-hours and overflow
//! destinations, and `openAt`, the open/closed state at an instant.
//!
//! Thin adapters: decode IDs and clock times, call `services::contact_centres`, wrap the
//! outcome in a payload. Who sees and changes what is stated there: administrators all;
//! coordinators the centres of their units; agents see the centres they answer for, and of
//! those only their own queues.
//!
//! Every change takes the centre's `expectedVersion` (the `version` the caller read) and bumps
//! it, queue and agent changes included: a change based on an old read is refused with
//! CONFLICT instead of overwriting someone else's.
//!
//! Layout: `types` holds the objects (`ContactCentre`, `ContactCentreQueue`, opening periods,
//! closures, `OpenState`); `inputs` the inputs and payloads; `mutations` the changes. The
//! queries are here.

use async_graphql::{Context, Object};

use super::{
    ctx_db, ctx_principal,
    errors::{ApiError, ApiResult},
    node::{NodeType, decode},
};
use crate::services::contact_centres as service;

mod inputs;
mod mutations;
mod types;

pub use inputs::*;
pub use mutations::ContactCentreMutation;
pub use types::{
    CentreClosure, ContactCentre, ContactCentreQueue, OpenState, OpeningPeriod, Weekday,
};

// ---------------------------------------------------------------------------------------------
// Queries

/// Contact centres.
#[derive(Default)]
pub struct ContactCentreQuery;

/// Contact centres.
#[Object]
impl ContactCentreQuery {
    /// Contact centres the caller sees, by name: administrators all, coordinators their
    /// units', agents those they answer for. `unitId` narrows to one unit.
    async fn contact_centres(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only this unit's centres.")] unit_id: Option<async_graphql::ID>,
    ) -> ApiResult<Vec<ContactCentre>> {
        let principal = ctx_principal(ctx)?;
        let unit = unit_id.map(|u| decode(NodeType::Unit, &u)).transpose()?;
        let centres = service::list(ctx_db(ctx)?, unit)
            .await
            .map_err(ApiError::from)?;
        Ok(centres
            .into_iter()
            .filter(|c| service::may_see(principal, c))
            .map(ContactCentre)
            .collect())
    }

    /// One contact centre; null when it does not exist or the caller does not see it.
    async fn contact_centre(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A ContactCentre ID.")] id: async_graphql::ID,
    ) -> ApiResult<Option<ContactCentre>> {
        load(ctx, decode(NodeType::ContactCentre, &id)?).await
    }
}

/// A contact centre the caller may see, for `contactCentre` and `node`.
pub async fn load(ctx: &Context<'_>, id: uuid::Uuid) -> ApiResult<Option<ContactCentre>> {
    let principal = ctx_principal(ctx)?;
    let centre = service::find(ctx_db(ctx)?, id)
        .await
        .map_err(ApiError::from)?;
    Ok(centre
        .filter(|c| service::may_see(principal, c))
        .map(ContactCentre))
}
