"""How the platform runs outside `dagster dev`: the production topology on one machine (a
PostgreSQL server, gRPC code servers, daemon and webserver) and the limits of each instance
storage. No Dagster import here: these modules start processes and decide, they do not
define assets."""
