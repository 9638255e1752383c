package io.tollgate.server;

import java.util.Map;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** The demo endpoints. Both are rate limited: {@code /} by the {@code default} rule, {@code /special_path} by its own. */
@RestController
public class HelloController {

    @GetMapping({"/", "/special_path"})
    public Map<String, String> hello(ServerHttpRequest request) {
        return Map.of("message", "Hello from Tollgate", "path", request.getPath().value());
    }
}
