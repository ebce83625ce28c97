package io.microsettle.security;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * On a resource method whose service claims the request's {@code Idempotency-Key} as the first statement of its write
 * transaction ({@link IdempotentResponse#claimInTransaction()}) and stores the response in it: the filter only reads the
 * key, so the claim costs no commit of its own. Without it, the filter claims the key in an autocommit statement first
 * (credits, whose writer serves many requests at once, and the admin POSTs that call the chain).
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface ClaimedInTransaction {}
