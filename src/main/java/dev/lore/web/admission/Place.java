package dev.lore.web.admission;

import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.servlet.ServletRequest;

/**
 * One admitted request's place in the bulkhead, kept as a request attribute: given back once, by whichever comes
 * first of the request's end and the first write that finds the client gone.
 */
final class Place {

    private static final String ATTRIBUTE = Place.class.getName();

    private final Admission admission;
    private final AtomicBoolean left = new AtomicBoolean();

    private Place(Admission admission) {
        this.admission = admission;
    }

    /** Notes the place a request has just been given. */
    static Place taken(ServletRequest request, Admission admission) {
        Place place = new Place(admission);
        request.setAttribute(ATTRIBUTE, place);
        return place;
    }

    /** The place this request holds, or {@code null}. */
    static Place of(ServletRequest request) {
        return request.getAttribute(ATTRIBUTE) instanceof Place place ? place : null;
    }

    void leave() {
        if (left.compareAndSet(false, true)) {
            admission.leave();
        }
    }
}
