//! Fixed vocabularies (statuses, kinds, roles, rule codes) as enums that are
//! stored and shown as words.
//!
//! [`vocabulary!`](crate::vocabulary) declares such an enum: each variant
//! with its word, `as_str`, `parse` (`None` for an unknown word), `ALL`,
//! serde and an OpenAPI schema under the same words, and database encoding so that a row holding
//! an unknown word fails to decode (loudly) instead of becoming a default.

/// Declares a closed set of words as an enum (see the module docs).
#[macro_export]
macro_rules! vocabulary {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $word:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $word)] $variant ),+
        }

        impl $name {
            /// Every word of the vocabulary, in order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The word stored and shown.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $word ),+
                }
            }

            /// The variant a word names; `None` for a word not in the vocabulary.
            pub fn parse(s: &str) -> Option<$name> {
                match s {
                    $( $word => Some($name::$variant), )+
                    _ => None,
                }
            }
        }

        // The OpenAPI schema: a string, one of the words (a derive would
        // not see the words through the macro, and name the variants).
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some([$($word),+]))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl<DB: sqlx::Database> sqlx::Type<DB> for $name
        where
            str: sqlx::Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <str as sqlx::Type<DB>>::type_info()
            }
            fn compatible(ty: &DB::TypeInfo) -> bool {
                <str as sqlx::Type<DB>>::compatible(ty)
            }
        }

        impl<'r, DB: sqlx::Database> sqlx::Decode<'r, DB> for $name
        where
            &'r str: sqlx::Decode<'r, DB>,
        {
            fn decode(
                value: <DB as sqlx::Database>::ValueRef<'r>,
            ) -> Result<Self, sqlx::error::BoxDynError> {
                let s = <&str as sqlx::Decode<DB>>::decode(value)?;
                $name::parse(s).ok_or_else(|| {
                    format!("{s:?} is not a {} ({:?})", stringify!($name), $name::ALL).into()
                })
            }
        }

        impl From<$name> for $crate::db::Arg {
            fn from(v: $name) -> $crate::db::Arg {
                $crate::db::Arg::Text(Some(v.as_str().to_string()))
            }
        }
    };
}
