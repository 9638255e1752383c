package io.tollgate.spring.keysapp;

import io.tollgate.core.store.InMemoryBucketStore;
import io.tollgate.core.store.ManualClock;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.security.Principal;
import java.util.concurrent.CompletableFuture;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.http.ResponseEntity;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configuration.EnableWebSecurity;
import org.springframework.security.config.annotation.web.reactive.EnableWebFluxSecurity;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.core.userdetails.MapReactiveUserDetailsService;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The application of the key and count tests, for both web stacks: "ok" on every path, a login that answers 200 for
 * {@code password=right} and 401 otherwise (also asynchronously), and {@code /fail/<status>} answering that status
 * ({@code /fail/throw} throws). Its store records the keys it is asked about, on a clock that stands still.
 *
 * <p>With {@code test.security=true}, Spring Security guards it with HTTP Basic for the users {@code alice} and
 * {@code bob} (password {@value #PASSWORD}), every path permitted, anonymous requests included. Without it, a Servlet
 * application plays a container that authenticates: the header {@value #CONTAINER_USER} becomes the request's
 * {@link HttpServletRequest#getUserPrincipal()}, before any other filter runs.
 */
@SpringBootApplication
public class KeysTestApplication {

    /** Test clock; it never moves unless a test moves it. */
    public static final ManualClock CLOCK = new ManualClock(1_700_000_000_000_000L);

    /** Password of the Spring Security users. */
    public static final String PASSWORD = "pw";

    /** Header the container-authentication filter turns into the principal. */
    public static final String CONTAINER_USER = "X-Test-User";

    @Bean
    RecordingStore recordingStore() {
        return new RecordingStore(new InMemoryBucketStore(CLOCK, 100_000));
    }

    @RestController
    static class Endpoints {

        @GetMapping({"/login", "/login/**"})
        ResponseEntity<String> login(@RequestParam(required = false) String password) {
            return answer(password);
        }

        @GetMapping({"/async-login", "/async-login/**"})
        CompletableFuture<ResponseEntity<String>> asyncLogin(@RequestParam(required = false) String password) {
            return CompletableFuture.supplyAsync(() -> answer(password));
        }

        @GetMapping("/fail/throw")
        String fail() {
            throw new IllegalStateException("test: the handler failed");
        }

        @GetMapping("/fail/{status}")
        ResponseEntity<String> fail(@PathVariable int status) {
            return ResponseEntity.status(status).body("status " + status);
        }

        @RequestMapping("/**")
        String ok() {
            return "ok";
        }

        private static ResponseEntity<String> answer(String password) {
            return "right".equals(password) ? ResponseEntity.ok("welcome")
                    : ResponseEntity.status(401).body("wrong password");
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnProperty("test.security")
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
    @EnableWebFluxSecurity
    static class ReactiveSecurity {

        @Bean
        SecurityWebFilterChain testSecurity(ServerHttpSecurity http) {
            return http.authorizeExchange(e -> e.anyExchange().permitAll()).httpBasic(Customizer.withDefaults())
                    .csrf(ServerHttpSecurity.CsrfSpec::disable).build();
        }

        @Bean
        MapReactiveUserDetailsService testUsers() {
            return new MapReactiveUserDetailsService(user("alice"), user("bob"));
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnProperty("test.security")
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
    @EnableWebSecurity
    static class ServletSecurity {

        @Bean
        SecurityFilterChain testSecurity(HttpSecurity http) throws Exception {
            return http.authorizeHttpRequests(a -> a.anyRequest().permitAll()).httpBasic(Customizer.withDefaults())
                    .csrf(c -> c.disable()).build();
        }

        @Bean
        InMemoryUserDetailsManager testUsers() {
            return new InMemoryUserDetailsManager(user("alice"), user("bob"));
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnProperty(name = "test.security", havingValue = "false", matchIfMissing = true)
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
    static class ContainerAuthentication {

        @Bean
        FilterRegistrationBean<HttpFilter> containerAuthentication() {
            FilterRegistrationBean<HttpFilter> reg = new FilterRegistrationBean<>(new HttpFilter() {
                @Override
                protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                        throws IOException, ServletException {
                    String user = request.getHeader(CONTAINER_USER);
                    chain.doFilter(user == null ? request : new HttpServletRequestWrapper(request) {
                        @Override
                        public Principal getUserPrincipal() {
                            return () -> user;
                        }
                    }, response);
                }
            });
            reg.setOrder(Ordered.HIGHEST_PRECEDENCE);
            return reg;
        }
    }

    private static UserDetails user(String name) {
        return User.withUsername(name).password("{noop}" + PASSWORD).roles("USER").build();
    }
}
