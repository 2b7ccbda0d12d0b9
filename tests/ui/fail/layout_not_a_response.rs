// A layout returns a response.
use parallel_routes::prelude::*;

#[layout(slots(count))]
async fn dashboard(count: Fragment) -> u32 {
    count.as_str().len() as u32
}

#[slot(dashboard, count)]
async fn count() -> &'static str {
    "42"
}

fn main() {}
