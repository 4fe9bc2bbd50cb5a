package dev.lore.web.admission;

import java.io.IOException;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;

import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Gives an admitted request's place back at the first write that finds the client gone, not when its handler
 * returns: a streamed answer whose client left may still be waiting on its model's next token, or on a search, and
 * another request can use the place meanwhile (its work stops at the generation's next check of its cancellation).
 * A request's end gives its place back in {@link AdmissionInterceptor}, which Spring MVC calls however the request
 * ends.
 */
@Component
@Order(0)
class AdmissionFilter extends OncePerRequestFilter {

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        chain.doFilter(request, new LeavingResponse(request, response));
    }

    /** A response whose output stream gives the request's place back when a write or flush fails. */
    private static final class LeavingResponse extends HttpServletResponseWrapper {

        private final HttpServletRequest request;
        private ServletOutputStream out;

        LeavingResponse(HttpServletRequest request, HttpServletResponse response) {
            super(response);
            this.request = request;
        }

        @Override
        public ServletOutputStream getOutputStream() throws IOException {
            ServletOutputStream delegate = super.getOutputStream();
            if (out == null) {
                out = new LeavingStream(request, delegate);
            }
            return out;
        }
    }

    private static final class LeavingStream extends ServletOutputStream {

        private final HttpServletRequest request;
        private final ServletOutputStream delegate;

        LeavingStream(HttpServletRequest request, ServletOutputStream delegate) {
            this.request = request;
            this.delegate = delegate;
        }

        @Override
        public void write(int b) throws IOException {
            try {
                delegate.write(b);
            }
            catch (IOException gone) {
                throw left(gone);
            }
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            try {
                delegate.write(b, off, len);
            }
            catch (IOException gone) {
                throw left(gone);
            }
        }

        @Override
        public void flush() throws IOException {
            try {
                delegate.flush();
            }
            catch (IOException gone) {
                throw left(gone);
            }
        }

        @Override
        public void close() throws IOException {
            try {
                delegate.close();
            }
            catch (IOException gone) {
                throw left(gone);
            }
        }

        @Override
        public boolean isReady() {
            return delegate.isReady();
        }

        @Override
        public void setWriteListener(WriteListener listener) {
            delegate.setWriteListener(listener);
        }

        private IOException left(IOException gone) {
            Place place = Place.of(request);
            if (place != null) {
                place.leave();
            }
            return gone;
        }
    }
}
