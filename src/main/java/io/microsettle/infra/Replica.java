package io.microsettle.infra;

/** This process among the service's replicas: a random id, for leases and capacity reservations. */
public final class Replica {
    /** Generated once per process. */
    public static final String ID = Ids.newId("replica");

    private Replica() {}
}
