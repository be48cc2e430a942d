package limpet.sso;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpSession;
import jakarta.servlet.http.HttpSessionEvent;
import jakarta.servlet.http.HttpSessionListener;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootVersion;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.SpringSecurityCoreVersion;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.HttpStatusEntryPoint;
import org.springframework.security.web.authentication.LoginUrlAuthenticationEntryPoint;
import org.springframework.security.web.authentication.SavedRequestAwareAuthenticationSuccessHandler;
import org.springframework.security.web.csrf.CsrfToken;
import org.springframework.security.web.util.matcher.MediaTypeRequestMatcher;
import org.springframework.security.web.util.matcher.RequestMatcher;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.util.HtmlUtils;

/**
 * A Spring Boot application whose login is Spring Security's oauth2Login() against Keycloak (one client
 * registration, "keycloak"): an anonymous page redirects to /oauth2/authorization/keycloak, which redirects to
 * Keycloak's login form; the code comes back to /login/oauth2/code/keycloak and the application's session
 * (JSESSIONID) begins. The protected page, JSON endpoint, CSRF-protected counter and test-only endpoints are those of
 * interop/frameworks (see ../README.md).
 */
@SpringBootApplication
@RestController
public class RelyingParty {
  private final ConcurrentMap<String, ConcurrentMap<String, AtomicInteger>> counters = new ConcurrentHashMap<>();
  private final Set<HttpSession> sessions = ConcurrentHashMap.newKeySet();

  public static void main(String[] args) {
    SpringApplication.run(RelyingParty.class, args);
  }

  int add(String counter, String key) {
    return counters.computeIfAbsent(counter, k -> new ConcurrentHashMap<>())
        .computeIfAbsent(key == null ? "" : key, k -> new AtomicInteger()).incrementAndGet();
  }

  @Bean
  SecurityFilterChain chain(HttpSecurity http) throws Exception {
    SavedRequestAwareAuthenticationSuccessHandler saved = new SavedRequestAwareAuthenticationSuccessHandler();
    saved.setDefaultTargetUrl("/page");
    // JSON clients get 401; browsers go to the provider (what oauth2Login() does with one registration).
    RequestMatcher json = new MediaTypeRequestMatcher(MediaType.APPLICATION_JSON);
    ((MediaTypeRequestMatcher) json).setIgnoredMediaTypes(Set.of(MediaType.ALL));
    http.authorizeHttpRequests(a -> a.requestMatchers("/test/**").permitAll().anyRequest().authenticated())
        .oauth2Login(o -> o.successHandler((req, res, auth) -> {
          add("logins_ok", auth.getName());
          saved.onAuthenticationSuccess(req, res, auth);
        }).failureHandler((req, res, ex) -> {
          add("logins_failed", "");
          res.sendError(HttpStatus.UNAUTHORIZED.value(), "login failed");
        }))
        .exceptionHandling(e -> e
            .defaultAuthenticationEntryPointFor(new HttpStatusEntryPoint(HttpStatus.UNAUTHORIZED), json)
            .defaultAuthenticationEntryPointFor(new LoginUrlAuthenticationEntryPoint("/oauth2/authorization/keycloak"),
                r -> true))
        .csrf(c -> c.ignoringRequestMatchers("/test/**"));
    return http.build();
  }

  @Bean
  HttpSessionListener sessionTracker() {
    return new HttpSessionListener() {
      @Override
      public void sessionCreated(HttpSessionEvent se) {
        sessions.add(se.getSession());
      }

      @Override
      public void sessionDestroyed(HttpSessionEvent se) {
        sessions.remove(se.getSession());
      }
    };
  }

  @GetMapping(value = {"/", "/page"}, produces = MediaType.TEXT_HTML_VALUE)
  String page(Authentication auth, CsrfToken csrf) {
    String token = HtmlUtils.htmlEscape(csrf.getToken());
    return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        + "<meta name=\"_csrf\" content=\"" + token + "\"><meta name=\"_csrf_header\" content=\"" + csrf.getHeaderName()
        + "\"><title>Protected page | limpet SSO relying party</title></head><body>\n<h1>Hello "
        + HtmlUtils.htmlEscape(auth.getName()) + "</h1>\n<form action=\"/api/count?key=page\" method=\"post\">"
        + "<input type=\"hidden\" name=\"" + csrf.getParameterName() + "\" value=\"" + token + "\">"
        + "<input type=\"text\" name=\"note\" value=\"\"><button type=\"submit\">Count</button></form>\n"
        + "<form action=\"/logout\" method=\"post\"><input type=\"hidden\" name=\"" + csrf.getParameterName()
        + "\" value=\"" + token + "\"><button type=\"submit\">Log out</button></form>\n</body></html>\n";
  }

  @GetMapping(value = "/api/me", produces = MediaType.APPLICATION_JSON_VALUE)
  Map<String, Object> me(Authentication auth) {
    return Map.of("user", auth.getName());
  }

  @PostMapping(value = "/api/count", produces = MediaType.APPLICATION_JSON_VALUE)
  Map<String, Object> count(@RequestParam(defaultValue = "") String key, Authentication auth) {
    // Spring Security's CsrfFilter has checked the token (field _csrf or header X-CSRF-TOKEN) before this runs.
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("key", key);
    out.put("count", add("counts", key));
    out.put("user", auth.getName());
    return out;
  }

  private static ResponseEntity<Object> loopbackOnly(HttpServletRequest req) {
    String addr = req.getRemoteAddr();
    if (addr.startsWith("127.") || addr.equals("0:0:0:0:0:0:0:1") || addr.equals("::1")) {
      return null;
    }
    return ResponseEntity.status(HttpStatus.FORBIDDEN).build();
  }

  @GetMapping(value = "/test/info", produces = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<Object> info(HttpServletRequest req) {
    ResponseEntity<Object> refused = loopbackOnly(req);
    if (refused != null) {
      return refused;
    }
    return ResponseEntity.ok(Map.of("app", "sso-rp", "instance", System.getenv().getOrDefault("LIMPET_FW_INSTANCE", ""),
        "versions", Map.of("springBoot", SpringBootVersion.getVersion(), "springSecurity",
            SpringSecurityCoreVersion.getVersion())));
  }

  @GetMapping(value = "/test/counters", produces = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<Object> counters(HttpServletRequest req) {
    ResponseEntity<Object> refused = loopbackOnly(req);
    if (refused != null) {
      return refused;
    }
    Map<String, Map<String, Integer>> out = new LinkedHashMap<>();
    for (String name : new String[] {"counts", "login_posts", "logins_ok", "logins_failed"}) {
      Map<String, Integer> m = new LinkedHashMap<>();
      counters.getOrDefault(name, new ConcurrentHashMap<>()).forEach((k, v) -> m.put(k, v.get()));
      out.put(name, m);
    }
    return ResponseEntity.ok(out);
  }

  @PostMapping(value = "/test/expire-all", produces = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<Object> expireAll(HttpServletRequest req) throws IOException {
    ResponseEntity<Object> refused = loopbackOnly(req);
    if (refused != null) {
      return refused;
    }
    int n = 0;
    for (HttpSession s : Set.copyOf(sessions)) {
      try {
        s.invalidate();
        n++;
      } catch (IllegalStateException alreadyInvalid) {
        // ended meanwhile
      }
    }
    return ResponseEntity.ok(Map.of("expired", n));
  }
}
