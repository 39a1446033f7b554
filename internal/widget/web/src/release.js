// Leaflet 1.9.4 leaves work running after map.remove(): timers and frames
// that then move or redraw the removed map and throw in the host page's
// console ("reading '_leaflet_pos'", "reading 'save'"). Leaflet#9575 (fixed
// after 1.9.4, in no 1.x release) is one of them. A page that replaces or
// removes a widget in the middle of a zoom, a wheel turn or a drag must
// see no error, so the widget ends them itself.
import L from 'leaflet';

// releaseMap stops everything the map has started, then removes it.
export function releaseMap(map) {
  map.stop();
  // The end of a zoom animation, 250 ms on: nothing to end if none runs.
  map._animatingZoom = false;
  // invalidateSize's debounced moveend.
  clearTimeout(map._sizeTimer);
  // A wheel turn zooms 40 ms after the last tick.
  if (map.scrollWheelZoom) clearTimeout(map.scrollWheelZoom._timer);
  map.remove();
  // A drag's inertia and a zoom's start run on the next animation frame,
  // which nothing cancels: once removed, the map no longer moves.
  map.panBy = map._animateZoom = function () { return this; };
}

// SafeCanvas is Leaflet's canvas renderer that draws nothing once removed
// (its context is gone) instead of throwing.
export const SafeCanvas = L.Canvas.extend({
  _update() {
    if (this._ctx) L.Canvas.prototype._update.call(this);
  },
  _redraw() {
    if (this._ctx) L.Canvas.prototype._redraw.call(this);
    else this._redrawRequest = null;
  },
});
