//! DataLoaders: one batched query per relation per request instead of one per parent (no N+1).
//! Built per request, so no cache is shared between callers.

use std::{collections::HashMap, sync::Arc};

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use entity::{contact_centre, device, hunt_group, line, person, role_grant, unit};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

/// A database error shared by all waiters of a batch.
pub type LoadError = Arc<sea_orm::DbErr>;

/// The loaders of one request.
pub struct Loaders {
    pub units: DataLoader<UnitLoader, HashMapCache>,
    pub people: DataLoader<PersonLoader>,
    pub lines_by_owner: DataLoader<LinesByOwner>,
    pub devices_by_owner: DataLoader<DevicesByOwner>,
    pub grants_by_person: DataLoader<GrantsByPerson>,
    pub lines: DataLoader<ById<line::Entity>>,
    pub devices: DataLoader<ById<device::Entity>>,
    pub hunt_groups: DataLoader<ById<hunt_group::Entity>>,
    pub contact_centres: DataLoader<ById<contact_centre::Entity>>,
    /// Lines by the number a call or voicemail shows: an extension or E.164.
    pub lines_by_number: DataLoader<LinesByNumber>,
    /// People's own lines that a directory page read in its own statement.
    pub page_lines: Prefetched<Vec<line::Model>>,
}

impl Loaders {
    pub fn new(db: &DatabaseConnection) -> Self {
        let spawn = |f| {
            tokio::spawn(f);
        };
        Self {
            // Cached per request, so a page can feed the units it already read.
            units: DataLoader::with_cache(UnitLoader(db.clone()), spawn, HashMapCache::default()),
            people: DataLoader::new(PersonLoader(db.clone()), spawn),
            lines_by_owner: DataLoader::new(LinesByOwner(db.clone()), spawn),
            devices_by_owner: DataLoader::new(DevicesByOwner(db.clone()), spawn),
            grants_by_person: DataLoader::new(GrantsByPerson(db.clone()), spawn),
            lines: DataLoader::new(ById::new(db), spawn),
            devices: DataLoader::new(ById::new(db), spawn),
            hunt_groups: DataLoader::new(ById::new(db), spawn),
            contact_centres: DataLoader::new(ById::new(db), spawn),
            lines_by_number: DataLoader::new(LinesByNumber(db.clone()), spawn),
            page_lines: Prefetched::default(),
        }
    }
}

/// Rows a page already read with its own statement, by parent id, for field resolvers to use
/// before they ask a loader. Only query fields feed it, and a query changes nothing, so what
/// it holds is as fresh as the page.
pub struct Prefetched<V>(std::sync::Mutex<HashMap<Uuid, V>>);

impl<V> Default for Prefetched<V> {
    fn default() -> Self {
        Self(std::sync::Mutex::default())
    }
}

impl<V: Clone> Prefetched<V> {
    pub fn feed(&self, rows: impl IntoIterator<Item = (Uuid, V)>) {
        if let Ok(mut held) = self.0.lock() {
            held.extend(rows);
        }
    }

    pub fn get(&self, id: Uuid) -> Option<V> {
        self.0.lock().ok()?.get(&id).cloned()
    }
}

pub struct UnitLoader(DatabaseConnection);

pub struct LinesByNumber(DatabaseConnection);

impl Loader<String> for LinesByNumber {
    type Value = line::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[String]) -> Result<HashMap<String, Self::Value>, Self::Error> {
        let (numbers, extensions): (Vec<&String>, Vec<&String>) =
            keys.iter().partition(|k| k.starts_with('+'));
        let rows = line::Entity::find()
            .filter(
                sea_orm::Condition::any()
                    .add(line::Column::E164.is_in(numbers.into_iter().cloned()))
                    .add(line::Column::Extension.is_in(extensions.into_iter().cloned())),
            )
            .all(&self.0)
            .await?;
        let mut map = HashMap::new();
        for l in rows {
            map.insert(l.extension.clone(), l.clone());
            map.insert(l.e164.clone(), l);
        }
        Ok(map)
    }
}

impl Loader<Uuid> for UnitLoader {
    type Value = unit::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = unit::Entity::find()
            .filter(unit::Column::Id.is_in(keys.iter().copied()))
            .all(&self.0)
            .await?;
        Ok(rows.into_iter().map(|u| (u.id, u)).collect())
    }
}

pub struct PersonLoader(DatabaseConnection);

impl Loader<Uuid> for PersonLoader {
    type Value = person::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = person::Entity::find()
            .filter(person::Column::Id.is_in(keys.iter().copied()))
            .all(&self.0)
            .await?;
        Ok(rows.into_iter().map(|p| (p.id, p)).collect())
    }
}

/// Groups child rows by their parent key, keeping the query's order.
fn group_by<T>(rows: Vec<T>, key: impl Fn(&T) -> Option<Uuid>) -> HashMap<Uuid, Vec<T>> {
    let mut map: HashMap<Uuid, Vec<T>> = HashMap::new();
    for row in rows {
        if let Some(k) = key(&row) {
            map.entry(k).or_default().push(row);
        }
    }
    map
}

pub struct LinesByOwner(DatabaseConnection);

impl Loader<Uuid> for LinesByOwner {
    type Value = Vec<line::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = line::Entity::find()
            .filter(line::Column::OwnerId.is_in(keys.iter().copied()))
            .order_by_asc(line::Column::Extension)
            .all(&self.0)
            .await?;
        Ok(group_by(rows, |l| l.owner_id))
    }
}

pub struct DevicesByOwner(DatabaseConnection);

impl Loader<Uuid> for DevicesByOwner {
    type Value = Vec<device::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = device::Entity::find()
            .filter(device::Column::OwnerId.is_in(keys.iter().copied()))
            .order_by_asc(device::Column::CreatedAt)
            .order_by_asc(device::Column::Id)
            .all(&self.0)
            .await?;
        Ok(group_by(rows, |d| Some(d.owner_id)))
    }
}

pub struct GrantsByPerson(DatabaseConnection);

impl Loader<Uuid> for GrantsByPerson {
    type Value = Vec<role_grant::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = role_grant::Entity::find()
            .filter(role_grant::Column::PersonId.is_in(keys.iter().copied()))
            .all(&self.0)
            .await?;
        Ok(group_by(rows, |g| Some(g.person_id)))
    }
}

/// Loads rows of any table with a `Uuid` primary key named `id`, by id.
pub struct ById<E> {
    db: DatabaseConnection,
    entity: std::marker::PhantomData<fn() -> E>,
}

impl<E> ById<E> {
    fn new(db: &DatabaseConnection) -> Self {
        Self {
            db: db.clone(),
            entity: std::marker::PhantomData,
        }
    }
}

/// The id of a row, for [`ById`].
pub trait HasId {
    fn row_id(&self) -> Uuid;
}

macro_rules! has_id {
    ($($m:path),*) => { $(impl HasId for $m { fn row_id(&self) -> Uuid { self.id } })* };
}
has_id!(
    line::Model,
    device::Model,
    hunt_group::Model,
    contact_centre::Model
);

impl<E> Loader<Uuid> for ById<E>
where
    E: EntityTrait,
    E::Model: HasId + Clone + Send + Sync + 'static,
    E::Column: From<IdColumn>,
{
    type Value = E::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let id = E::Column::from(IdColumn);
        let rows = E::find()
            .filter(id.is_in(keys.iter().copied()))
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|r| (r.row_id(), r)).collect())
    }
}

/// Marker for "the `id` column" of an entity.
pub struct IdColumn;

macro_rules! id_column {
    ($($c:path),*) => { $(impl From<IdColumn> for $c { fn from(_: IdColumn) -> Self { <$c>::Id } })* };
}
id_column!(
    line::Column,
    device::Column,
    hunt_group::Column,
    contact_centre::Column
);
