package io.tollgate.spring.web;

import java.security.Principal;

/**
 * The user name a {@code principal} key takes from a request's {@link Principal}, or {@code null} for nobody: no
 * principal, a blank name, or Spring Security's anonymous user. The anonymous token is recognised by its class when
 * Spring Security is on the class path; the starter never requires it, so without it only the servlet container's or
 * the framework's own principal counts.
 */
final class PrincipalNames {

    static final String ANONYMOUS_TOKEN = "org.springframework.security.authentication.AnonymousAuthenticationToken";

    private static final PrincipalNames DEFAULT = new PrincipalNames(ANONYMOUS_TOKEN);

    /** The anonymous token's class, or {@code null} when it is not on the class path. */
    private final Class<?> anonymous;

    PrincipalNames(String anonymousTokenClass) {
        this.anonymous = load(anonymousTokenClass);
    }

    /** With Spring Security's anonymous token, when present. */
    static String of(Principal principal) {
        return DEFAULT.nameOf(principal);
    }

    String nameOf(Principal principal) {
        if (principal == null || (anonymous != null && anonymous.isInstance(principal))) {
            return null;
        }
        String name = principal.getName();
        return name == null || name.isBlank() ? null : name;
    }

    private static Class<?> load(String className) {
        try {
            return Class.forName(className, false, PrincipalNames.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            return null;
        }
    }
}
